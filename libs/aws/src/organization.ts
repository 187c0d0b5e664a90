import {
  type Account,
  OrganizationsClient,
  paginateListAccounts,
  paginateListAccountsForParent,
  paginateListChildren,
} from '@aws-sdk/client-organizations';
import type { AwsCredentialIdentityProvider, InitializeMiddleware, MiddlewareStack } from '@smithy/types';
import { operationOf, READ_ONLY, WriteRefusedError } from './read-only.js';

/** `organization` in elava.yaml, as the program sees it. */
export interface OrganizationSettings {
  /** The role assumed in each member account (a name, with an optional path). */
  role_name: string;
  external_id?: string;
  /** The executor's role in each member account; absent: the executor writes to none. */
  executor_role_name?: string;
  /** Account ids, or `ou-…` ids whose accounts (at any depth) are left out. */
  exclude: string[];
  /** Only the accounts under these OUs (or the root `r-…`), at any depth; empty: every account. */
  include_ous: string[];
  refresh_interval: number;
}

export interface MemberAccount {
  id: string;
  name: string;
}

/** One read of the organization's account list. */
export interface Discovery {
  /** The accounts to watch, sorted by id. */
  accounts: MemberAccount[];
  refreshed_at: string;
  /** Accounts listed but not watched: not ACTIVE, excluded, outside `include_ous`. */
  skipped: { inactive: number; excluded: number; outside_ous: number };
  /** Organizations API calls this read made. */
  calls: number;
  /** Set when the last refresh failed and this is the list read before it. */
  stale?: { error: string; since: string };
}

/**
 * An account is watched when it is ACTIVE: `State` is the newer field (AWS is retiring `Status`),
 * and SUSPENDED, PENDING_CLOSURE or CLOSED accounts cannot be read.
 */
const isActive = (a: Account) => (a.State ?? a.Status) === 'ACTIVE';

/**
 * Reads the account list: ListAccounts (every page), ACTIVE only, then `include_ous` and the
 * OUs in `exclude` resolved top-down (ListAccountsForParent and ListChildren, nested OUs too).
 */
export async function discoverAccounts(
  client: OrganizationsClient,
  settings: Pick<OrganizationSettings, 'exclude' | 'include_ous'>,
  pageSize?: number,
): Promise<Omit<Discovery, 'calls'>> {
  const listed: Account[] = [];
  for await (const page of paginateListAccounts({ client, pageSize }, {})) listed.push(...(page.Accounts ?? []));
  const skipped = { inactive: 0, excluded: 0, outside_ous: 0 };
  const within = settings.include_ous.length > 0 ? await accountsUnder(client, settings.include_ous, pageSize) : null;
  const excludedOus = settings.exclude.filter((x) => x.startsWith('ou-'));
  const excluded = new Set([
    ...settings.exclude.filter((x) => !x.startsWith('ou-')),
    ...(excludedOus.length > 0 ? await accountsUnder(client, excludedOus, pageSize) : []),
  ]);
  const accounts: MemberAccount[] = [];
  for (const a of listed) {
    if (!a.Id) continue;
    if (!isActive(a)) skipped.inactive++;
    else if (excluded.has(a.Id)) skipped.excluded++;
    else if (within && !within.has(a.Id)) skipped.outside_ous++;
    else accounts.push({ id: a.Id, name: a.Name ?? '' });
  }
  accounts.sort((x, y) => (x.id < y.id ? -1 : x.id > y.id ? 1 : 0));
  return { accounts, refreshed_at: new Date().toISOString(), skipped };
}

/** Every account under the given parents (OUs or the root), at any depth. */
async function accountsUnder(client: OrganizationsClient, parents: string[], pageSize?: number): Promise<Set<string>> {
  const found = new Set<string>();
  const queue = [...new Set(parents)];
  const visited = new Set<string>();
  while (queue.length > 0) {
    const parent = queue.shift() as string;
    if (visited.has(parent)) continue;
    visited.add(parent);
    for await (const page of paginateListAccountsForParent({ client, pageSize }, { ParentId: parent }))
      for (const a of page.Accounts ?? []) if (a.Id) found.add(a.Id);
    for await (const page of paginateListChildren(
      { client, pageSize },
      { ParentId: parent, ChildType: 'ORGANIZATIONAL_UNIT' },
    ))
      for (const c of page.Children ?? []) if (c.Id) queue.push(c.Id);
  }
  return found;
}

/** The partition a region belongs to, for role ARNs. */
export function partitionOf(region: string): string {
  if (region.startsWith('cn-')) return 'aws-cn';
  if (region.startsWith('us-gov-')) return 'aws-us-gov';
  if (region.startsWith('us-iso-')) return 'aws-iso';
  if (region.startsWith('us-isob-')) return 'aws-iso-b';
  return 'aws';
}

export interface OrganizationOptions {
  region: string;
  endpoint?: string;
  /** The management (or delegated administrator) account's credentials; absent: the default chain. */
  credentials?: AwsCredentialIdentityProvider;
  /** Accounts per ListAccounts page (AWS's most is 20, its default); for tests. */
  pageSize?: number;
  now?: () => number;
}

/**
 * The organization's account list, read at most once per `refresh_interval` whoever asks, and
 * shared by concurrent callers. A failed refresh keeps the list read before it (marked stale):
 * an Organizations error is never an empty organization, which would drop every account.
 */
export class Organization {
  private last?: { discovery: Discovery; at: number };
  private pending?: Promise<Discovery>;
  private failure?: { error: string; since: string };
  /** Organizations API calls made so far. */
  calls = 0;

  constructor(
    readonly settings: OrganizationSettings,
    private readonly opts: OrganizationOptions,
  ) {}

  /** The current list: cached, or read again when older than `refresh_interval`. */
  accounts(): Promise<Discovery> {
    const now = (this.opts.now ?? Date.now)();
    if (this.last && now - this.last.at < this.settings.refresh_interval) return Promise.resolve(this.current());
    this.pending ??= this.refresh().finally(() => {
      this.pending = undefined;
    });
    return this.pending;
  }

  /** The role ARN in `account`: the readers' role, or the executor's (undefined when none is set). */
  roleArn(account: string, purpose: 'read' | 'write'): string | undefined {
    const name = purpose === 'write' ? this.settings.executor_role_name : this.settings.role_name;
    return name ? `arn:${partitionOf(this.opts.region)}:iam::${account}:role/${name}` : undefined;
  }

  private current(): Discovery {
    const d = (this.last as { discovery: Discovery }).discovery;
    return this.failure ? { ...d, stale: this.failure } : d;
  }

  private async refresh(): Promise<Discovery> {
    const client = readOnlyClient(this.opts);
    const made = { calls: 0 };
    client.middlewareStack.add(
      (next) => async (args) => {
        made.calls++;
        this.calls++;
        return next(args);
      },
      { step: 'deserialize', name: 'elavaOrganizationCalls' },
    );
    try {
      const d = await discoverAccounts(client, this.settings, this.opts.pageSize);
      this.failure = undefined;
      this.last = { discovery: { ...d, calls: made.calls }, at: (this.opts.now ?? Date.now)() };
      return this.last.discovery;
    } catch (err) {
      const error = `cannot read the organization's accounts: ${(err as Error).message}`;
      if (!this.last) throw new Error(error);
      this.failure ??= { error, since: new Date().toISOString() };
      this.failure = { ...this.failure, error };
      // Retried at the next ask after a short pause, not after a whole interval.
      this.last = { ...this.last, at: (this.opts.now ?? Date.now)() - this.settings.refresh_interval + 60_000 };
      return this.current();
    } finally {
      client.destroy();
    }
  }
}

/** An Organizations client that refuses anything but reads, like every reader's client. */
function readOnlyClient(opts: OrganizationOptions): OrganizationsClient {
  // Organizations is a global service whose endpoint is in us-east-1 (cn-northwest-1, us-gov-west-1).
  const client = new OrganizationsClient({
    region: opts.region,
    endpoint: opts.endpoint,
    credentials: opts.credentials,
    maxAttempts: 8,
    retryMode: 'adaptive',
  });
  // biome-ignore lint/suspicious/noExplicitAny: the stack's command types do not matter here
  const stack = client.middlewareStack as unknown as MiddlewareStack<any, any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const readOnly: InitializeMiddleware<any, any> = (next, context) => async (args) => {
    const op = operationOf(context.commandName);
    if (!READ_ONLY.test(op)) throw new WriteRefusedError(op);
    return next(args);
  };
  stack.add(readOnly, { step: 'initialize', name: 'elavaReadOnly', priority: 'high' });
  return client;
}
