import { mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { CreateTagsCommand, CreateVpcCommand, EC2Client } from '@aws-sdk/client-ec2';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import {
  CloseAccountCommand,
  CreateAccountCommand,
  CreateOrganizationalUnitCommand,
  CreateOrganizationCommand,
  ListRootsCommand,
  MoveAccountCommand,
  OrganizationsClient,
  RemoveAccountFromOrganizationCommand,
} from '@aws-sdk/client-organizations';
import { GetCallerIdentityCommand, STSClient } from '@aws-sdk/client-sts';
import { AccountList, assumeRole, Organization, type OrganizationSettings } from '@elava/aws';
import { createQueue, createRedis, QUEUES, readUnreachableAccounts, writeAccountDirectory } from '@elava/bus';
import { type Io, run } from '@elava/cli';
import { parseConfig } from '@elava/config';
import { Accounts, reportAccess } from '@elava/scanner';
import { createSchedule, reconcile } from '@elava/scheduler';
import { Store } from '@elava/store';
import type { ObservationPage, ScanJob } from '@elava/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infra, silentLog, tempDirFor, unique } from '../support/infra.js';
import { collectPages } from '../support/pages.js';
import { testScanner } from '../support/scanner.js';
import { resetMoto } from '../support/seed.js';

/** moto's default account: the organization's management account here. */
const MGMT = '123456789012';
const REGION = 'us-east-1';
const ROLE = 'OrganizationAccountAccessRole';
const testing = { accessKeyId: 'testing', secretAccessKey: 'testing' };
const asTesting = async () => testing;

/** moto checks IAM policies once told to (as in iam-policy.test.ts); 'never' turns that off again. */
async function motoAuth(after: number | 'never'): Promise<void> {
  const res = await fetch(`${infra().moto}/moto-api/reset-auth`, {
    method: 'POST',
    body: after === 'never' ? 'inf' : String(after),
  });
  if (!res.ok) throw new Error(`moto reset-auth answered ${res.status}`);
}

const settings = (s: Partial<OrganizationSettings> = {}): OrganizationSettings => ({
  role_name: ROLE,
  exclude: [],
  include_ous: [],
  refresh_interval: 60_000,
  ...s,
});

/**
 * An organization on moto: the management account, OUs workloads (with prod inside it) and
 * sandbox, and accounts app (workloads), prod (workloads/prod), sand (sandbox), loose (root) and
 * closed (workloads, then closed: SUSPENDED). moto's CreateAccount makes the member role
 * (OrganizationAccountAccessRole) in each new account, trusting the management account.
 */
describe('accounts from AWS Organizations, on moto (issue 18)', () => {
  const orgs = new OrganizationsClient({ region: REGION, endpoint: infra().moto, credentials: testing });
  const ids = { app: '', prod: '', sand: '', loose: '', closed: '' };
  const ous = { root: '', workloads: '', prod: '', sandbox: '' };
  const opened: (() => Promise<unknown>)[] = [];
  const defer = (close: () => Promise<unknown>) => void opened.push(close);

  const account = async (name: keyof typeof ids, parent: string) => {
    const made = await orgs.send(new CreateAccountCommand({ AccountName: name, Email: `${name}@example.com` }));
    const id = made.CreateAccountStatus?.AccountId ?? '';
    if (parent !== ous.root)
      await orgs.send(new MoveAccountCommand({ AccountId: id, SourceParentId: ous.root, DestinationParentId: parent }));
    ids[name] = id;
  };
  const ou = async (name: string, parent: string) =>
    (await orgs.send(new CreateOrganizationalUnitCommand({ ParentId: parent, Name: name }))).OrganizationalUnit?.Id ??
    '';

  beforeAll(async () => {
    await resetMoto(infra().moto);
    await orgs.send(new CreateOrganizationCommand({ FeatureSet: 'ALL' }));
    ous.root = (await orgs.send(new ListRootsCommand({}))).Roots?.[0]?.Id ?? '';
    ous.workloads = await ou('workloads', ous.root);
    ous.prod = await ou('prod', ous.workloads);
    ous.sandbox = await ou('sandbox', ous.root);
    await account('app', ous.workloads);
    await account('prod', ous.prod);
    await account('sand', ous.sandbox);
    await account('loose', ous.root);
    await account('closed', ous.workloads);
    await orgs.send(new CloseAccountCommand({ AccountId: ids.closed }));
  });
  afterAll(async () => {
    await motoAuth('never');
    for (const close of opened.reverse()) await close();
    orgs.destroy();
  });

  const organization = (s: Partial<OrganizationSettings> = {}, now?: () => number) =>
    new Organization(settings(s), { region: REGION, endpoint: infra().moto, credentials: asTesting, pageSize: 2, now });

  it('lists the ACTIVE accounts, every page of them', async () => {
    const d = await organization().accounts();
    expect(d.accounts.map((a) => a.id)).toEqual([MGMT, ids.app, ids.prod, ids.sand, ids.loose].sort());
    expect(d.accounts.find((a) => a.id === ids.app)?.name).toBe('app');
    // The closed account is SUSPENDED: listed by Organizations, never scanned.
    expect(d.skipped).toEqual({ inactive: 1, excluded: 0, outside_ous: 0 });
    // Six accounts two to a page: ListAccounts was called for three pages.
    expect(d.calls).toBe(3);
  });

  it('honours include_ous (nested OUs too) and exclude (accounts and OUs)', async () => {
    const within = await organization({ include_ous: [ous.workloads] }).accounts();
    expect(within.accounts.map((a) => a.id)).toEqual([ids.app, ids.prod].sort());
    expect(within.skipped).toEqual({ inactive: 1, excluded: 0, outside_ous: 3 });

    const without = await organization({ exclude: [ids.loose, ous.sandbox] }).accounts();
    expect(without.accounts.map((a) => a.id)).toEqual([MGMT, ids.app, ids.prod].sort());
    expect(without.skipped.excluded).toBe(2);

    const both = await organization({ include_ous: [ous.root], exclude: [ous.prod] }).accounts();
    expect(both.accounts.map((a) => a.id)).toEqual([MGMT, ids.app, ids.sand, ids.loose].sort());
  });

  it("assumes each member's role once for every scan of it, and a scan reads that account's own resources", async () => {
    const assumed: string[] = [];
    const accounts = new Accounts(
      { accounts: [], aws: { endpoint: infra().moto }, regions: [REGION], organization: settings() },
      { credentials: asTesting, onAssume: (arn) => assumed.push(arn) },
    );
    // One VPC in each of two member accounts, made through the role Elava assumes.
    const vpcs: Record<string, string> = {};
    for (const id of [ids.app, ids.prod]) {
      const access = await accounts.access(id);
      expect(access.id).toBe(id);
      const ec2 = new EC2Client({ region: REGION, endpoint: infra().moto, credentials: access.credentials });
      const vpc = (await ec2.send(new CreateVpcCommand({ CidrBlock: '10.42.0.0/16' }))).Vpc?.VpcId ?? '';
      await ec2.send(new CreateTagsCommand({ Resources: [vpc], Tags: [{ Key: 'Name', Value: `org-${id}` }] }));
      ec2.destroy();
      vpcs[id] = vpc;
      const sts = new STSClient({ region: REGION, endpoint: infra().moto, credentials: access.credentials });
      // The session says who is calling in the member's CloudTrail.
      expect((await sts.send(new GetCallerIdentityCommand({}))).Arn).toBe(
        `arn:aws:sts::${id}:assumed-role/${ROLE}/elava-scanner`,
      );
      sts.destroy();
    }
    // The management account is read with Elava's own credentials: no role assumed there.
    expect((await accounts.access(MGMT)).id).toBe(MGMT);

    const prefix = unique('elava-org');
    const pages = collectPages(prefix);
    defer(() => pages.close());
    testScanner(prefix, defer, { accounts });
    const producer = createRedis(infra().redis, 'producer');
    const queue = createQueue<ScanJob>(QUEUES.scan, { connection: producer, prefix });
    defer(async () => {
      await queue.close();
      producer.disconnect();
    });
    const jobs: ScanJob[] = [ids.app, ids.prod, MGMT].flatMap((account) =>
      (['ec2.vpc', 'ec2.subnet', 'iam.role'] as const).map((type) => ({
        scan_id: unique('org-scan'),
        scope: { account, region: type === 'iam.role' ? 'global' : REGION, type },
        requested_by: 'cli' as const,
      })),
    );
    for (const j of jobs) await queue.add('scan', j);
    await pages.until(() => pages.finals().length === jobs.length);
    expect(
      pages
        .finals()
        .map((p) => [p.scope.account, p.scope.type, p.final?.status])
        .sort(),
    ).toEqual(jobs.map((j) => [j.scope.account, j.scope.type, 'complete']).sort());
    const seen = (account: string, type: string) =>
      pages.pages
        .filter((p) => p.scope.account === account && p.scope.type === type)
        .flatMap((p) => p.resources.map((r) => r.id));
    // Each account's scan sees its own VPC and not the other's (moto keeps an estate per account).
    expect(seen(ids.app, 'ec2.vpc')).toContain(`aws:${ids.app}:${REGION}:ec2.vpc:${vpcs[ids.app]}`);
    expect(seen(ids.app, 'ec2.vpc').join()).not.toContain(vpcs[ids.prod]);
    expect(seen(ids.prod, 'ec2.vpc')).toContain(`aws:${ids.prod}:${REGION}:ec2.vpc:${vpcs[ids.prod]}`);
    expect(seen(MGMT, 'ec2.vpc').join()).not.toContain(vpcs[ids.app]);
    // The member role moto made is in the member's IAM, read under the global region.
    expect(seen(ids.app, 'iam.role')).toContain(`aws:${ids.app}:global:iam.role:${ROLE}`);

    // Nine scans of three accounts: one AssumeRole for each member, none for the management account.
    expect(assumed.sort()).toEqual([ids.app, ids.prod].sort().map((id) => `arn:aws:iam::${id}:role/${ROLE}`));
    // An account outside the organization is refused before any call.
    await expect(accounts.access('999999999999')).rejects.toThrow(/not an active account of the organization/);
  });

  it('assumes the role again only when the credentials are near their expiry', async () => {
    let clock = Date.now();
    const calls: string[] = [];
    const provider = assumeRole({
      roleArn: `arn:aws:iam::${ids.app}:role/${ROLE}`,
      sessionName: 'elava-scanner',
      region: REGION,
      endpoint: infra().moto,
      base: asTesting,
      onAssume: (arn) => calls.push(arn),
      now: () => clock,
    });
    const [a, b] = await Promise.all([provider(), provider()]);
    expect(calls).toHaveLength(1);
    expect(b).toBe(a);
    expect(a.expiration).toBeInstanceOf(Date);
    // moto gives an hour; five minutes before its end the provider asks STS again.
    clock = (a.expiration as Date).getTime() - 6 * 60_000;
    expect(await provider()).toBe(a);
    clock = (a.expiration as Date).getTime() - 4 * 60_000;
    const renewed = await provider();
    expect(calls).toHaveLength(2);
    expect(renewed.accessKeyId).not.toBe(a.accessKeyId);
  });

  it('picks up an account that joins and one that leaves at the next refresh, without a restart', async () => {
    let clock = 0;
    const org = organization({ refresh_interval: 60_000 }, () => clock);
    const config = parseConfig(
      `version: "2.0"\nregions: [${REGION}]\naccounts: organization\nscanning: { tiers: { all: { scan_interval: 1h } } }\n`,
      '/x/elava.yaml',
      {},
    );
    const prefix = unique('elava-org-sched');
    const redis = createRedis(infra().redis, 'producer');
    const queue = createQueue<ScanJob>(QUEUES.scan, { connection: redis, prefix });
    defer(async () => {
      await queue.obliterate({ force: true });
      await queue.close();
      redis.disconnect();
    });
    const schedule = createSchedule({
      config,
      accounts: async () => (await org.accounts()).accounts.map((a) => a.id),
      apply: (scopes, intervalOf) => reconcile(queue, scopes, intervalOf, silentLog),
      log: silentLog,
    });
    const scheduled = async () => {
      const byAccount: Record<string, number> = {};
      for (const s of await queue.getJobSchedulers(0, -1)) {
        const account = (s.key ?? s.id ?? '').replace(/^scan:/, '').split('/')[0] as string;
        byAccount[account] = (byAccount[account] ?? 0) + 1;
      }
      return byAccount;
    };

    const first = await schedule.tick();
    const perAccount = first.plan.scopes.length / first.accounts.length;
    expect(Object.keys(await scheduled()).sort()).toEqual([MGMT, ids.app, ids.prod, ids.sand, ids.loose].sort());

    // Between two refreshes: one account joins, one is removed, one is closed.
    const joined = (await orgs.send(new CreateAccountCommand({ AccountName: 'new', Email: 'new@example.com' })))
      .CreateAccountStatus?.AccountId as string;
    await orgs.send(new RemoveAccountFromOrganizationCommand({ AccountId: ids.sand }));
    await orgs.send(new CloseAccountCommand({ AccountId: ids.loose }));

    // Within the refresh interval the list read before stands.
    clock += 30_000;
    expect(await schedule.tick()).toMatchObject({ applied: false, added: [], removed: [] });

    clock += 31_000;
    const next = await schedule.tick();
    expect(next).toMatchObject({ applied: true, added: [joined], removed: [ids.sand, ids.loose].sort() });
    const now = await scheduled();
    expect(Object.keys(now).sort()).toEqual([MGMT, ids.app, ids.prod, joined].sort());
    expect(now[joined]).toBe(perAccount);
  });

  it('an account whose role cannot be assumed: reported for elava status, its scopes failed scans, nothing gone', async () => {
    const prefix = unique('elava-org-deny');
    const redis = createRedis(infra().redis, 'producer');
    defer(async () => {
      await redis.del(`${prefix}:accounts:directory`, `${prefix}:accounts:unreachable`);
      redis.disconnect();
    });
    const pages = collectPages(prefix);
    defer(() => pages.close());
    const producer = createRedis(infra().redis, 'producer');
    const queue = createQueue<ScanJob>(QUEUES.scan, { connection: producer, prefix });
    defer(async () => {
      await queue.close();
      producer.disconnect();
    });
    const scan = async (account: string, accounts: Accounts): Promise<ObservationPage> => {
      const job: ScanJob = {
        scan_id: unique('org-deny'),
        scope: { account, region: REGION, type: 'ec2.vpc' },
        requested_by: 'cli',
      };
      const scanner = testScanner(prefix, defer, { accounts });
      await queue.add('scan', job);
      await pages.until(() => pages.finals().some((p) => p.scan_id === job.scan_id));
      await scanner.close();
      return pages.finals().find((p) => p.scan_id === job.scan_id) as ObservationPage;
    };
    // A scan of the prod account while its role still works, recorded as the recorder records it.
    const store = await Store.open(tempDirFor('elava-org-'));
    defer(() => store.close());
    const record = (p: ObservationPage) =>
      store.applyScan(p.page_id, p.scope, p.resources, {
        observedAt: p.observed_at,
        complete: p.final?.status === 'complete',
        seen: p.final?.status === 'complete' ? p.final.seen : undefined,
      });
    const open = { accounts: [], aws: { endpoint: infra().moto }, regions: [REGION], organization: settings() };
    const before = await scan(ids.prod, new Accounts(open, { credentials: asTesting }));
    expect(before.final?.status).toBe('complete');
    await record(before);
    const vpcIds = before.resources.map((r) => r.id);
    expect(vpcIds.length).toBeGreaterThan(0);

    // Elava's principal: the shipped scanner policy (docs/iam-policy.json, which grants the
    // organization's reads and AssumeRole), denied the prod account's role. moto's AssumeRole
    // succeeds for any role ARN, existing or not, and checks a role's trust only within the
    // caller's own account; with its IAM checks on, a Deny in the caller's policy is how a role
    // that cannot be assumed looks: AccessDenied, as AWS answers for a missing role or a trust
    // that does not name the caller.
    const iam = new IAMClient({ region: REGION, endpoint: infra().moto, credentials: testing });
    const policy = JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/iam-policy.json'), 'utf8'));
    policy.Statement.push({
      Effect: 'Deny',
      Action: 'sts:AssumeRole',
      Resource: `arn:aws:iam::${ids.prod}:role/${ROLE}`,
    });
    const user = unique('elava');
    await iam.send(new CreateUserCommand({ UserName: user }));
    await iam.send(
      new PutUserPolicyCommand({ UserName: user, PolicyName: 'elava', PolicyDocument: JSON.stringify(policy) }),
    );
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey;
    iam.destroy();
    const elava = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    const asElava = async () => elava;

    await motoAuth(0);
    try {
      // The shipped policy is enough to read the organization, OUs included.
      const list = new AccountList({
        accounts: [],
        organization: new Organization(settings({ include_ous: [ous.root] }), {
          region: REGION,
          endpoint: infra().moto,
          credentials: asElava,
        }),
        region: REGION,
      });
      const watched = await list.current();
      expect(watched.accounts.map((a) => a.id)).toContain(ids.prod);
      await writeAccountDirectory(redis, prefix, watched);

      const accounts = new Accounts(open, { credentials: asElava, onAccess: reportAccess(redis, prefix, silentLog) });
      expect((await accounts.access(ids.app)).id).toBe(ids.app);
      await expect(accounts.access(ids.prod)).rejects.toMatchObject({ name: 'AccessDenied' });

      const failed = await scan(ids.prod, accounts);
      expect(failed.final).toMatchObject({ status: 'failed', code: 'AccessError' });
      expect(failed.final?.status === 'failed' && failed.final.error).toMatch(
        new RegExp(`no access to account ${ids.prod}: .*not authorized to perform: sts:AssumeRole`),
      );
      // A failed scan is recorded as the recorder records it: not complete, so nothing is gone.
      const result = await record(failed);
      expect(result.deltas.filter((d) => d.kind === 'tombstoned')).toEqual([]);
      for (const id of vpcIds) expect(store.get(id)?.resource, id).toBeDefined();

      await new Promise((r) => setTimeout(r, 200)); // the report is written without holding up the scan
      const unreachable = await readUnreachableAccounts(redis, prefix);
      expect(unreachable.map((u) => u.account)).toEqual([ids.prod]);
      expect(unreachable[0]?.error).toMatch(/AssumeRole/);
    } finally {
      await motoAuth('never');
    }

    // `elava status` names it, and says so with exit 1.
    const dir = mkdtempSync(join(tmpdir(), 'elava-org-status-'));
    writeFileSync(
      join(dir, 'elava.yaml'),
      `version: "2.0"\naccounts: organization\napi: { timeout: 1s }\nstorage: { dir: ${dir}/data }\n`,
    );
    const cli = async (argv: string[]) => {
      const out: string[] = [];
      const io: Io = {
        out: (t) => out.push(t),
        err: (t) => out.push(t),
        env: { REDIS_URL: infra().redis, NATS_URL: infra().nats, ELAVA_REDIS_PREFIX: prefix },
        cwd: dir,
        tty: false,
      };
      return { code: await run(argv, io), out: out.join('\n') };
    };
    const json = await cli(['status', '--json']);
    expect(json.code).toBe(1);
    const status = JSON.parse(json.out) as {
      healthy: boolean;
      accounts: { directory: { source: string; accounts: unknown[] }; unreachable: { account: string }[] };
    };
    expect(status.healthy).toBe(false);
    expect(status.accounts.directory.source).toBe('organization');
    expect(status.accounts.unreachable.map((u) => u.account)).toEqual([ids.prod]);
    const text = await cli(['status']);
    expect(text.out).toContain(`${watched(status)} accounts, from the organization`);
    expect(text.out).toContain('1 unreachable');
    expect(text.out).toMatch(new RegExp(`${ids.prod} .*not authorized`));
  });
});

const watched = (s: { accounts: { directory: { accounts: unknown[] } } }) => s.accounts.directory.accounts.length;
