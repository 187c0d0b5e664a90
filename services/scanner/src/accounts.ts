import { AccountDirectory, type DirectoryOptions, Organization } from '@elava/aws';
import { reportAccountAccess } from '@elava/bus';
import type { ElavaConfig } from '@elava/config';
import type { Logger } from '@elava/log';
import type { Redis } from 'ioredis';

/**
 * The scanner's credentials per account: the readers' role, never the executor's. With
 * `accounts: organization` the account list is the organization's (read again every
 * `organization.refresh_interval`), each member read through its `role_name`.
 */
export class Accounts extends AccountDirectory {
  constructor(
    config: Pick<ElavaConfig, 'accounts' | 'aws' | 'regions'> & { organization?: ElavaConfig['organization'] },
    opts: Pick<DirectoryOptions, 'onAccess' | 'onAssume' | 'credentials' | 'retryAfterMs'> = {},
  ) {
    const region = config.regions[0] ?? 'us-east-1';
    super(config.accounts, {
      region,
      endpoint: config.aws.endpoint,
      purpose: 'read',
      organization: config.organization
        ? new Organization(config.organization, {
            region,
            endpoint: config.aws.endpoint,
            credentials: opts.credentials,
          })
        : undefined,
      ...opts,
    });
  }
}

/** Tells `elava status` (through Redis) which accounts this scanner cannot read, and when one works again. */
export function reportAccess(redis: Redis, prefix: string, log: Logger) {
  return (account: string, error?: Error): void => {
    if (error) log.warn({ account, err: error.message }, 'no access to account: its scopes fail until it works');
    void reportAccountAccess(redis, prefix, account, error?.message).catch((err: Error) =>
      log.warn({ account, err: err.message }, 'cannot record account access for elava status'),
    );
  };
}
