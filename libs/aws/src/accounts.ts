import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { fromTemporaryCredentials } from '@aws-sdk/credential-providers';
import type { AwsCredentialIdentityProvider } from '@smithy/types';

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
 * Credentials for one account: the default chain, or AssumeRole into `role_arn` (renewed by the
 * SDK before they expire). The account id is checked against what STS says, so a scan is never
 * labelled with the wrong account.
 */
export async function accountAccess(
  spec: AccountSpec,
  opts: { region: string; endpoint?: string; sessionName?: string },
): Promise<AccountAccess> {
  const credentials = spec.role_arn
    ? fromTemporaryCredentials({
        params: {
          RoleArn: spec.role_arn,
          RoleSessionName: opts.sessionName ?? 'elava-scanner',
          ExternalId: spec.external_id,
        },
        clientConfig: { region: opts.region, endpoint: opts.endpoint },
      })
    : undefined;
  const sts = new STSClient({ region: opts.region, endpoint: opts.endpoint, credentials });
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
    return { id, credentials };
  } finally {
    sts.destroy();
  }
}

/** An account as configured (`accounts[]`). */
export interface ConfiguredAccount extends AccountSpec {
  id: string;
  executor_role_arn?: string;
}

/**
 * Credentials per account, resolved once per process: the configured accounts (AssumeRole when a
 * role is given), or the default chain's own account. The executor assumes `executor_role_arn`,
 * never the readers' role.
 */
export class AccountDirectory {
  private readonly cache = new Map<string, Promise<AccountAccess>>();

  constructor(
    private readonly accounts: ConfiguredAccount[],
    private readonly opts: { region: string; endpoint?: string; purpose?: 'read' | 'write' },
  ) {}

  access(account: string): Promise<AccountAccess> {
    let found = this.cache.get(account);
    if (!found) {
      const spec = this.accounts.find((a) => a.id === account);
      if (!spec && this.accounts.length > 0) {
        return Promise.reject(new Error(`account ${account} is not in the configuration`));
      }
      const writing = this.opts.purpose === 'write';
      found = accountAccess(
        spec
          ? { id: spec.id, role_arn: writing ? spec.executor_role_arn : spec.role_arn, external_id: spec.external_id }
          : { id: account },
        {
          region: this.opts.region,
          endpoint: this.opts.endpoint,
          sessionName: writing ? 'elava-executor' : 'elava-scanner',
        },
      );
      found.catch(() => this.cache.delete(account));
      this.cache.set(account, found);
    }
    return found;
  }
}
