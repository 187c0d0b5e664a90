import { type AccountAccess, accountAccess } from '@elava/aws';
import type { ElavaConfig } from '@elava/config';

/**
 * Credentials per account, resolved once per process: the configured accounts (AssumeRole when a
 * role is given), or the default chain's own account.
 */
export class Accounts {
  private readonly cache = new Map<string, Promise<AccountAccess>>();

  constructor(private readonly config: Pick<ElavaConfig, 'accounts' | 'aws' | 'regions'>) {}

  access(account: string): Promise<AccountAccess> {
    let found = this.cache.get(account);
    if (!found) {
      const spec = this.config.accounts.find((a) => a.id === account);
      if (!spec && this.config.accounts.length > 0) {
        return Promise.reject(new Error(`account ${account} is not in the configuration`));
      }
      found = accountAccess(spec ?? { id: account }, {
        region: this.config.regions[0] ?? 'us-east-1',
        endpoint: this.config.aws.endpoint,
      });
      found.catch(() => this.cache.delete(account));
      this.cache.set(account, found);
    }
    return found;
  }
}
