import { AssumeRoleCommand, STSClient } from '@aws-sdk/client-sts';
import type { AwsCredentialIdentity, AwsCredentialIdentityProvider } from '@smithy/types';

export interface AssumeRoleOptions {
  roleArn: string;
  /** Says who is calling in the member account's CloudTrail: `elava-scanner`, `elava-executor`. */
  sessionName: string;
  externalId?: string;
  region: string;
  endpoint?: string;
  /** The credentials that assume the role; absent: the default chain. */
  base?: AwsCredentialIdentityProvider;
  /** Assumed again this long before the credentials expire (default 5 minutes). */
  refreshBeforeMs?: number;
  /** Told of every AssumeRole call (counted by the benchmark and the tests). */
  onAssume?: (roleArn: string) => void;
  now?: () => number;
}

/**
 * Credentials for a role, assumed once and kept until shortly before they expire, whichever
 * client asks: every SDK client remembers credentials only for itself, so a provider handed to a
 * client made per scan would otherwise assume the role again for every scan. Concurrent callers
 * share one AssumeRole; its STS client lives only for that call, so nothing stays open per
 * account between renewals.
 */
export function assumeRole(opts: AssumeRoleOptions): AwsCredentialIdentityProvider {
  const refreshBefore = opts.refreshBeforeMs ?? 5 * 60_000;
  const now = opts.now ?? Date.now;
  let held: AwsCredentialIdentity | undefined;
  let pending: Promise<AwsCredentialIdentity> | undefined;
  const fresh = (c: AwsCredentialIdentity | undefined): c is AwsCredentialIdentity =>
    c !== undefined && (c.expiration === undefined || c.expiration.getTime() - now() > refreshBefore);

  async function assume(): Promise<AwsCredentialIdentity> {
    const sts = new STSClient({ region: opts.region, endpoint: opts.endpoint, credentials: opts.base });
    try {
      opts.onAssume?.(opts.roleArn);
      const { Credentials: c } = await sts.send(
        new AssumeRoleCommand({
          RoleArn: opts.roleArn,
          RoleSessionName: opts.sessionName,
          ...(opts.externalId ? { ExternalId: opts.externalId } : {}),
        }),
      );
      if (!c?.AccessKeyId || !c.SecretAccessKey)
        throw new Error(`STS AssumeRole into ${opts.roleArn} returned no credentials`);
      held = {
        accessKeyId: c.AccessKeyId,
        secretAccessKey: c.SecretAccessKey,
        sessionToken: c.SessionToken,
        expiration: c.Expiration,
      };
      return held;
    } finally {
      sts.destroy();
    }
  }

  return async () => {
    if (fresh(held)) return held;
    pending ??= assume().finally(() => {
      pending = undefined;
    });
    return pending;
  };
}
