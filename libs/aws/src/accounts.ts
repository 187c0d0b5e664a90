import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentityProvider } from '@smithy/types';
import { assumeRole } from './assume-role.js';
import type { Discovery, Organization } from './organization.js';

export interface AccountSpec {
  /** Absent: the account of the default credential chain, found with GetCallerIdentity. */
  id?: string;
  role_arn?: string;
  external_id?: string;
}

export interface AccountAccess {
  id: string;
  credentials?: AwsCredentialIdentityProvider;
}

/**
 * Credentials for one account: the default chain, or AssumeRole into `role_arn`, kept for every
 * client of the process and assumed again shortly before they expire (assume-role.ts), not once
 * per scan. The account id is checked against what STS says, so a scan is never labelled with
 * the wrong account.
 */
export async function accountAccess(
  spec: AccountSpec,
  opts: {
    region: string;
    endpoint?: string;
    sessionName?: string;
    onAssume?: (roleArn: string) => void;
    /** The credentials Elava runs with; absent: the default chain. */
    base?: AwsCredentialIdentityProvider;
  },
): Promise<AccountAccess> {
  const credentials = spec.role_arn
    ? assumeRole({
        base: opts.base,
        roleArn: spec.role_arn,
        sessionName: opts.sessionName ?? 'elava-scanner',
        externalId: spec.external_id,
        region: opts.region,
        endpoint: opts.endpoint,
        onAssume: opts.onAssume,
      })
    : undefined;
  const sts = new STSClient({ region: opts.region, endpoint: opts.endpoint, credentials: credentials ?? opts.base });
  try {
    const who = await sts.send(new GetCallerIdentityCommand({}));
    const id = who.Account ?? '';
    if (!/^\d{12}$/.test(id))
      throw new Error(`STS GetCallerIdentity returned no account id (${JSON.stringify(who.Account)})`);
    if (spec.id && spec.id !== id) {
      throw new Error(
        `credentials for account ${spec.id} belong to account ${id}${spec.role_arn ? ` (role ${spec.role_arn})` : ''}`,
      );
    }
    return { id, credentials: credentials ?? opts.base };
  } finally {
    sts.destroy();
  }
}

/** An account as configured (`accounts[]`). */
export interface ConfiguredAccount extends AccountSpec {
  id: string;
  executor_role_arn?: string;
}

export interface DirectoryOptions {
  region: string;
  endpoint?: string;
  purpose?: 'read' | 'write';
  /** Accounts from AWS Organizations (`accounts: organization`) instead of the configured list. */
  organization?: Organization;
  /**
   * Told when an account's credentials fail (every time), and when they work again or for the
   * first time: what `elava status` shows as unreachable accounts.
   */
  onAccess?: (account: string, error?: Error) => void;
  /** How long a failed account is answered with its failure before it is tried again (default 60 s). */
  retryAfterMs?: number;
  onAssume?: (roleArn: string) => void;
  /** The credentials Elava runs with (what assumes each role); absent: the default chain. */
  credentials?: AwsCredentialIdentityProvider;
}

/**
 * Credentials per account, resolved once per process and kept: the configured accounts
 * (AssumeRole when a role is given), the organization's (AssumeRole into `role_name` in each,
 * the account of Elava's own credentials read with them), or the default chain's own account.
 * The executor assumes `executor_role_name` / `executor_role_arn`, never the readers' role. An
 * account whose role cannot be assumed is answered with that error for `retryAfterMs`, so the
 * many scopes of one account do not each call STS.
 */
export class AccountDirectory {
  private readonly cache = new Map<string, { access: Promise<AccountAccess>; retryAt: number }>();
  private self?: Promise<AccountAccess>;
  private readonly members = new WeakMap<Discovery, Set<string>>();

  constructor(
    private readonly accounts: ConfiguredAccount[],
    private readonly opts: DirectoryOptions,
  ) {}

  async access(account: string): Promise<AccountAccess> {
    const org = this.opts.organization;
    if (org) {
      const d = await org.accounts();
      let ids = this.members.get(d);
      if (!ids) {
        ids = new Set(d.accounts.map((a) => a.id));
        this.members.set(d, ids);
        // An account that left keeps nothing here.
        for (const known of this.cache.keys()) if (!ids.has(known)) this.cache.delete(known);
      }
      if (!ids.has(account))
        throw new Error(
          `account ${account} is not an active account of the organization, or organization.exclude / include_ous leave it out`,
        );
    }
    const found = this.cache.get(account);
    if (found && Date.now() < found.retryAt) return found.access;
    const entry = { access: this.resolve(account), retryAt: Number.POSITIVE_INFINITY };
    this.cache.set(account, entry);
    // A success is only ever new here (a working account stays cached), so it is always news.
    entry.access.then(
      () => this.opts.onAccess?.(account),
      (err: Error) => {
        entry.retryAt = Date.now() + (this.opts.retryAfterMs ?? 60_000);
        this.opts.onAccess?.(account, err);
      },
    );
    return entry.access;
  }

  private async resolve(account: string): Promise<AccountAccess> {
    const found = await this.resolveOnce(account);
    const inner = found.credentials;
    if (!inner) return found;
    // Renewing can fail later (the role deleted, its trust changed): that is news as well, and
    // the account is resolved again at its next scan.
    const credentials: AwsCredentialIdentityProvider = async (p) => {
      try {
        return await inner(p);
      } catch (err) {
        this.cache.delete(account);
        this.opts.onAccess?.(account, err as Error);
        throw err;
      }
    };
    return { ...found, credentials };
  }

  private async resolveOnce(account: string): Promise<AccountAccess> {
    const writing = this.opts.purpose === 'write';
    const via = {
      region: this.opts.region,
      endpoint: this.opts.endpoint,
      sessionName: writing ? 'elava-executor' : 'elava-scanner',
      onAssume: this.opts.onAssume,
      base: this.opts.credentials,
    };
    const org = this.opts.organization;
    if (org) {
      // The account whose credentials Elava runs with (the management or a delegated
      // administrator account) is read with them: member roles are rarely deployed there.
      this.self ??= accountAccess({}, via).catch((err: Error) => {
        this.self = undefined;
        throw err;
      });
      const self = await this.self;
      if (self.id === account) return self;
      const role_arn = org.roleArn(account, writing ? 'write' : 'read');
      if (!role_arn)
        throw new Error(
          `organization.executor_role_name is not set: the executor writes to no member account (${account})`,
        );
      return accountAccess({ id: account, role_arn, external_id: org.settings.external_id }, via);
    }
    const spec = this.accounts.find((a) => a.id === account);
    if (!spec && this.accounts.length > 0) throw new Error(`account ${account} is not in the configuration`);
    return accountAccess(
      spec
        ? { id: spec.id, role_arn: writing ? spec.executor_role_arn : spec.role_arn, external_id: spec.external_id }
        : { id: account },
      via,
    );
  }
}
