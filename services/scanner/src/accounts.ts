import { AccountDirectory } from '@elava/aws';
import type { ElavaConfig } from '@elava/config';

/** The scanner's credentials per account: the readers' role, never the executor's. */
export class Accounts extends AccountDirectory {
  constructor(config: Pick<ElavaConfig, 'accounts' | 'aws' | 'regions'>) {
    super(config.accounts, {
      region: config.regions[0] ?? 'us-east-1',
      endpoint: config.aws.endpoint,
      purpose: 'read',
    });
  }
}
