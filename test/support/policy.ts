import { resolve } from 'node:path';
import type { DecisionSettings } from '@elava/policy';
import { PolicyPool, readCompiled } from '@elava/policy';

/** The defaults of `policies.*`: notify mode, severity_actions critical→alert, warning→notify, info→audit. */
export const DEFAULT_DECISIONS: DecisionSettings = {
  mode: 'notify',
  severityActions: { critical: 'alert', warning: 'notify', info: 'audit' },
  remediateTags: false,
  protectBlessed: false,
  autoTag: false,
};

/** The library as the build compiled it, in two threads, with `data` as data.* */
export async function libraryPool(data: unknown = {}): Promise<PolicyPool> {
  const { problems, ...library } = readCompiled(resolve(import.meta.dirname, '../../policies'));
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return PolicyPool.start(library, data, 2);
}
