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
  opts: { region: string; endpoint?: string },
): Promise<AccountAccess> {
  const credentials = spec.role_arn
    ? fromTemporaryCredentials({
        params: { RoleArn: spec.role_arn, RoleSessionName: 'elava-scanner', ExternalId: spec.external_id },
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
