import { existsSync, readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { ConfigError, loadConfig, parseConfig } from '@elava/config';
import { Detector, type DetectorOutputs, type PublishedChange } from '@elava/detector';
import { planScopes, SWEEP_TIER } from '@elava/scheduler';
import { type AnyResource, type Delta, RESOURCE_TYPES, type RevisionDeltas } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { silentLog } from '../support/infra.js';

/**
 * The configuration of the Day 2 design (design/004, "New Config Structure"), copied verbatim
 * into test/fixtures/design-004.yaml.txt (.txt: the formatter would re-space a .yaml file): it
 * loads, and every key in it does what it says.
 */
const FIXTURE = resolve(import.meta.dirname, '../fixtures/design-004.yaml.txt');
const env = { SLACK_WEBHOOK: 'https://hooks.slack.com/services/T0/B0/secret' };
const ACCOUNT = '123456789012';

function refused(yaml: string, e: NodeJS.ProcessEnv = {}): ConfigError {
  try {
    parseConfig(`version: "2.0"\n${yaml}`, '/etc/elava/elava.yaml', e);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return err as ConfigError;
  }
  throw new Error('expected the configuration to be refused');
}

function resource(native: string, tags: Record<string, string>): AnyResource {
  return {
    id: `aws:${ACCOUNT}:us-east-1:ec2.instance:${native}`,
    provider: 'aws',
    account: ACCOUNT,
    region: 'us-east-1',
    type: 'ec2.instance',
    native_id: native,
    name: native,
    tags,
    attributes: { instance_type: 't3.micro', state: 'running' },
  } as unknown as AnyResource;
}

const meta = (revision: number, tombstone = false) => ({
  revision: { main: revision, sub: 0 },
  created: revision,
  version: 1,
  tombstone,
  content_hash: 'x',
  time: '2026-01-01T00:00:00.000Z',
});

/** The severity the detector gives each delta under a configuration's change_detection. */
async function labels(config: ReturnType<typeof parseConfig>, deltas: Delta[]) {
  const published: PublishedChange[] = [];
  const held: PublishedChange[] = [];
  const out: DetectorOutputs = {
    publish: async (c) => void published.push(...c),
    audit: async () => {},
    evaluate: async () => {},
    holdDisappearance: async (c) => void held.push(c),
    stillGone: async () => true,
  };
  const cd = config.change_detection;
  const detector = new Detector(
    { track: cd.enabled ? cd.track : [], alertOn: cd.alert_on, graceMs: config.behavior.grace_period },
    out,
    silentLog,
  );
  const rd: RevisionDeltas = {
    store: 'st_test',
    revision: 2,
    time: '2026-01-01T00:00:00.000Z',
    scope: { account: ACCOUNT, region: 'us-east-1', type: 'ec2.instance' },
    scan_id: 'scan-1',
    deltas,
  };
  await detector.handle(rd);
  return Object.fromEntries(
    [...published, ...held].map((c) => [`${c.type} ${c.resource_id.split(':')[4]}`, c.severity]),
  );
}

const appeared = (r: AnyResource): Delta => ({
  id: r.id,
  kind: 'added',
  current: meta(2),
  previous: null,
  current_json: JSON.stringify(r),
});
const gone = (r: AnyResource): Delta => ({
  id: r.id,
  kind: 'tombstoned',
  current: meta(2, true),
  previous: meta(1),
  previous_json: JSON.stringify(r),
});

// The design documents sit beside the repository (../shared) on our machines and in CI; a clone
// elsewhere has only the fixture.
const DESIGN = resolve(import.meta.dirname, '../../../shared/design/004_a58d8d7e14b73332.txt');

describe("the design's configuration, verbatim", () => {
  it.skipIf(!existsSync(DESIGN))('is the block of the design document, unchanged', () => {
    const design = readFileSync(DESIGN, { encoding: 'utf8' });
    const block = /### New Config Structure\n\n```yaml\n([\s\S]*?)```/.exec(design)?.[1];
    expect(block).toBeDefined();
    expect(readFileSync(FIXTURE, 'utf8')).toBe(block);
  });

  it('loads, and every key means what it says', () => {
    const { config: c } = loadConfig({ path: FIXTURE, env });
    expect(c.provider).toBe('aws');
    expect(c.regions).toEqual(['us-east-1']);
    // scanning
    expect(c.scanning.enabled).toBe(true);
    expect(c.scanning.adaptive_hours).toEqual({
      enabled: true,
      work_hours: '08:00-19:00',
      timezone: 'UTC',
      off_hours_factor: 4,
    });
    expect(c.scanning.tiers.critical?.scan_interval).toBe(15 * 60_000);
    // change_detection: the categories are the change types they name
    expect(c.change_detection.enabled).toBe(true);
    expect(c.change_detection.check_interval).toBe(5 * 60_000);
    expect(c.change_detection.lookback_window).toBe(24 * 3_600_000);
    expect(c.change_detection.track).toEqual([
      'appeared',
      'disappeared',
      'modified',
      'tag_drift',
      'status_changed',
      'cost_increase',
    ]);
    expect(c.change_detection.alert_on).toMatchObject({
      disappeared_blessed: 'critical',
      disappeared_managed: 'warning',
      new_untagged: 'info',
      tag_drift: 'warning',
      policy_violation: 'severity_based',
    });
    // policies
    expect(c.policies.path).toBe(resolve(FIXTURE, '../policies/day2'));
    expect(c.policies.enforcement_mode).toBe('notify');
    expect(c.policies.auto_remediate).toEqual({ tag_violations: false, blessed_protection: true });
    expect(c.policies.severity_actions).toEqual({ critical: 'alert', warning: 'notify', info: 'audit' });
    // actions
    expect(c.actions.notifications.slack).toMatchObject({
      enabled: true,
      webhook: env.SLACK_WEBHOOK,
      channels: { critical: '#alerts-critical', warning: '#alerts-warn' },
    });
    expect(c.actions.protection).toMatchObject({ respect_blessed: true, auto_protect_prod: true });
    expect(c.actions.tagging).toMatchObject({
      auto_tag_untagged: false,
      required_tags: ['elava:managed', 'elava:owner', 'environment'],
    });
    // behavior
    expect(c.behavior).toMatchObject({ grace_period: 24 * 3_600_000, auto_delete: false, require_approval: true });
  });

  it('scans every type unfiltered every check_interval, and production databases also every 15m', () => {
    const { config: c } = loadConfig({ path: FIXTURE, env });
    const { scopes, swept } = planScopes(c, [ACCOUNT]);
    expect(swept).toEqual([...RESOURCE_TYPES]);
    const unfiltered = scopes.filter((s) => !s.scope.filter);
    expect(unfiltered.map((s) => s.scope.type).sort()).toEqual([...RESOURCE_TYPES].sort());
    expect(unfiltered.every((s) => s.tier === SWEEP_TIER && s.intervalMs === 5 * 60_000)).toBe(true);
    expect(
      scopes.filter((s) => s.scope.filter).map((s) => [s.key.split('/')[2], s.tier, s.intervalMs / 60_000]),
    ).toEqual([
      ['rds.cluster?environment=production', 'critical', 15],
      ['rds.instance?environment=production', 'critical', 15],
      ['rds.snapshot?environment=production', 'critical', 15],
    ]);
  });

  it('labels a blessed disappearance critical, a managed one warning and a new untagged resource info', async () => {
    const { config: c } = loadConfig({ path: FIXTURE, env });
    const got = await labels(c, [
      gone(resource('i-blessed', { 'elava:blessed': 'true' })),
      gone(resource('i-managed', { 'elava:managed': 'true', Name: 'm' })),
      gone(resource('i-other', { Name: 'o' })),
      appeared(resource('i-bare', {})),
      appeared(resource('i-asg', { 'aws:autoscaling:groupName': 'g' })),
      appeared(resource('i-named', { Name: 'n' })),
    ]);
    expect(got).toEqual({
      'disappeared i-blessed': 'critical',
      'disappeared i-managed': 'warning',
      'disappeared i-other': 'warning',
      'appeared i-bare': 'info',
      'appeared i-asg': 'info',
      'appeared i-named': 'info',
    });
    // Each finer key acts on its own: set apart from the general key, and `none`.
    const tuned = parseConfig(
      `version: "2.0"
change_detection:
  track: [resource_lifecycle]
  alert_on: { disappeared_blessed: warning, disappeared_managed: critical, new_untagged: warning, appeared: none, disappeared: none }
`,
      '/x/elava.yaml',
      {},
    );
    expect(
      await labels(tuned, [
        gone(resource('i-blessed', { 'elava:blessed': 'true' })),
        gone(resource('i-managed', { 'elava:managed': 'true' })),
        gone(resource('i-other', { Name: 'o' })),
        appeared(resource('i-bare', {})),
        appeared(resource('i-named', { Name: 'n' })),
      ]),
    ).toEqual({
      'disappeared i-blessed': 'warning',
      'disappeared i-managed': 'critical',
      'disappeared i-other': 'none',
      'appeared i-bare': 'warning',
      'appeared i-named': 'none',
    });
  });
});

describe('change_detection keys', () => {
  const load = (yaml: string) => parseConfig(`version: "2.0"\n${yaml}`, '/x/elava.yaml', {});

  it('track takes categories and change types alike, and only tracked kinds are published', async () => {
    expect(load('change_detection: { track: [tag_changes, appeared, tag_drift] }').change_detection.track).toEqual([
      'appeared',
      'tag_drift',
    ]);
    expect(
      load('change_detection: { track: [configuration_drift, cost_changes, status_changes] }').change_detection.track,
    ).toEqual(['modified', 'status_changed', 'cost_increase']);
    const onlyTags = load('change_detection: { track: [tag_changes] }');
    expect(await labels(onlyTags, [appeared(resource('i-1', {}))])).toEqual({});
    const e = refused('change_detection: { track: [lifecycle] }');
    expect(e.problems[0]?.path).toBe('change_detection.track[0]');
    expect(e.problems[0]?.message).toContain('"resource_lifecycle"');
  });

  it('the finer alert_on keys fall back on the general ones, and policy_violation takes a severity or none', () => {
    const a = load('change_detection: { alert_on: { disappeared: critical, appeared: none } }').change_detection
      .alert_on;
    expect(a).toMatchObject({ disappeared_managed: 'critical', new_untagged: 'none', disappeared_blessed: 'critical' });
    expect(a.policy_violation).toBe('severity_based');
    for (const v of ['critical', 'warning', 'info', 'none', 'severity_based'] as const)
      expect(
        load(`change_detection: { alert_on: { policy_violation: ${v} } }`).change_detection.alert_on,
      ).toMatchObject({ policy_violation: v });
    expect(refused('change_detection: { alert_on: { policy_violation: loud } }').problems[0]?.path).toBe(
      'change_detection.alert_on.policy_violation',
    );
    expect(refused('change_detection: { alert_on: { new_untagged: high } }').problems[0]?.path).toBe(
      'change_detection.alert_on.new_untagged',
    );
  });
});

describe('keys that are honoured or refused, never ignored', () => {
  const load = (yaml: string, e: NodeJS.ProcessEnv = {}) => parseConfig(`version: "2.0"\n${yaml}`, '/x/elava.yaml', e);

  it('blessed_protection, and protect_blessed as its older name', () => {
    expect(load('').policies.auto_remediate.blessed_protection).toBe(false);
    expect(load('policies: { auto_remediate: { protect_blessed: true } }').policies.auto_remediate).toEqual({
      tag_violations: false,
      blessed_protection: true,
    });
    expect(
      refused('policies: { auto_remediate: { protect_blessed: true, blessed_protection: false } }').problems[0]?.path,
    ).toBe('policies.auto_remediate.protect_blessed');
  });

  it('respect_blessed: false is refused, saying why', () => {
    const e = refused('actions: { protection: { respect_blessed: false } }');
    expect(e.problems[0]?.path).toBe('actions.protection.respect_blessed');
    expect(e.problems[0]?.message).toContain('never written except to protect it');
  });

  it('storage.audit_retention is refused, saying why; segment_bytes and checkpoint_interval are kept for the store', () => {
    const e = refused('storage: { audit_retention: 400d }');
    expect(e.problems[0]?.path).toBe('storage.audit_retention');
    expect(e.problems[0]?.message).toMatch(/^not supported: the audit trail is hash-chained and kept whole/);
    expect(load('storage: { segment_bytes: 1048576, checkpoint_interval: 30s }').storage).toMatchObject({
      segment_bytes: 1_048_576,
      checkpoint_interval: 30_000,
    });
  });

  it('refuses at load a bad time zone, an http:// webhook off loopback and slack enabled without a webhook', () => {
    const tz = refused('scanning: { adaptive_hours: { timezone: Europe/Berlinn } }');
    expect(tz.problems).toEqual([
      {
        path: 'scanning.adaptive_hours.timezone',
        message: 'expected an IANA time zone such as UTC or Europe/Berlin',
      },
    ]);
    expect(load('scanning: { adaptive_hours: { timezone: America/New_York } }').scanning.adaptive_hours.timezone).toBe(
      'America/New_York',
    );
    const http = refused('actions: { notifications: { slack: { webhook: "http://hooks.example.com/x" } } }');
    expect(http.problems).toEqual([
      {
        path: 'actions.notifications.slack.webhook',
        message: 'expected an https:// webhook URL (http:// only to loopback), found http://hooks.example.com',
      },
    ]);
    for (const host of ['127.0.0.1:8080', 'localhost', '[::1]:9'])
      expect(
        load(`actions: { notifications: { slack: { enabled: true, webhook: "http://${host}/hook" } } }`).actions
          .notifications.slack.webhook,
      ).toBe(`http://${host}/hook`);
    for (const hook of ['""', '"${HOOK:-}"']) {
      const empty = refused(`actions: { notifications: { slack: { enabled: true, webhook: ${hook} } } }`);
      expect(empty.problems[0]?.path).toBe('actions.notifications.slack.webhook');
      expect(empty.problems[0]?.message).toContain('slack is enabled but the webhook is empty');
    }
    // Disabled, an empty webhook is fine (the example's default).
    expect(
      load('actions: { notifications: { slack: { enabled: false, webhook: "" } } }').actions.notifications.slack,
    ).toMatchObject({ enabled: false });
  });
});
