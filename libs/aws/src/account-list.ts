import { type AccountSpec, accountAccess } from './accounts.js';
import type { Discovery, MemberAccount, Organization } from './organization.js';

/** The accounts Elava watches now, and where the list comes from. */
export interface WatchedAccounts {
  source: 'configured' | 'organization' | 'credentials';
  accounts: MemberAccount[];
  refreshed_at: string;
  skipped?: Discovery['skipped'];
  stale?: Discovery['stale'];
}

/**
 * Where the scheduler and `elava scan --once` get the accounts to scan: the configured list, the
 * organization (read again every `refresh_interval`), or else the account of the default
 * credential chain. An error is thrown, never an empty list.
 */
export class AccountList {
  private own?: Promise<WatchedAccounts>;

  constructor(
    private readonly opts: {
      accounts: (AccountSpec & { id: string; name?: string })[];
      organization?: Organization;
      region: string;
      endpoint?: string;
    },
  ) {}

  async current(): Promise<WatchedAccounts> {
    if (this.opts.organization) {
      const d = await this.opts.organization.accounts();
      return {
        source: 'organization',
        accounts: d.accounts,
        refreshed_at: d.refreshed_at,
        skipped: d.skipped,
        ...(d.stale ? { stale: d.stale } : {}),
      };
    }
    if (this.opts.accounts.length > 0)
      return {
        source: 'configured',
        accounts: this.opts.accounts.map((a) => ({ id: a.id, name: a.name ?? '' })),
        refreshed_at: new Date().toISOString(),
      };
    this.own ??= accountAccess({}, { region: this.opts.region, endpoint: this.opts.endpoint }).then(
      (me) => ({ source: 'credentials', accounts: [{ id: me.id, name: '' }], refreshed_at: new Date().toISOString() }),
      (err: Error) => {
        this.own = undefined;
        throw err;
      },
    );
    return this.own;
  }
}
