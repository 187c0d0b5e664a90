import { parseResourceId } from '@elava/types';
import type { KeyLabels } from './tree-index.js';

/**
 * Elava's key format, `aws:<account>:<region>:<type>:<native-id>`, told to the engine as labels
 * for its secondary indexes. The engine itself treats keys as opaque strings.
 */
export function awsKeyLabels(key: string): KeyLabels {
  const p = parseResourceId(key);
  return { type: p.type, account: p.account, region: p.region };
}
