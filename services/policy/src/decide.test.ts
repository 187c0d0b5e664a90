import type { AnyResource, PublishedChange } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { type DecisionSettings, decisionId, propose } from './decide.js';
import type { Finding } from './policy-set.js';

const settings: DecisionSettings = {
  mode: 'notify',
  severityActions: { critical: 'alert', warning: 'notify', info: 'audit' },
  remediateTags: false,
  protectBlessed: false,
  autoTag: false,
};
const resource = (tags: Record<string, string> = {}) =>
  ({
    id: 'aws:123456789012:us-east-1:rds.instance:db-1',
    provider: 'aws',
    account: '123456789012',
    region: 'us-east-1',
    type: 'rds.instance',
    native_id: 'db-1',
    tags,
    attributes: {},
  }) as unknown as AnyResource;
const STORE = 'a1b2c3d4e5f6';
const change = (
  type: PublishedChange['type'],
  previous: AnyResource | null = null,
  severity: PublishedChange['severity'] = 'warning',
): PublishedChange => ({
  id: `c-${type}`,
  type,
  store: STORE,
  resource_id: resource().id,
  revision: 7,
  previous_revision: 6,
  time: '2026-11-22T10:00:00Z',
  diff: [{ path: 'tags.team', before: 'a', after: 'b' }],
  previous,
  current: null,
  severity,
});
const finding = (pkg: string, rule: Finding['rule'], severity: Finding['severity'], msg: string): Finding => ({
  package: pkg,
  rule,
  severity,
  msg,
  suggestion: 's',
});
const actions = (ps: ReturnType<typeof propose>) => ps.map((p) => `${p.decision.action}/${p.decision.severity}`);

describe('propose (the seed rules)', () => {
  it('alerts when a blessed resource disappears; another disappearance goes by severity_actions', () => {
    const blessed = resource({ 'elava:blessed': 'true' });
    const gone = propose(
      {
        store: STORE,
        resource: blessed,
        change: change('disappeared', blessed, 'critical'),
        revision: 7,
        findings: [],
        time: 't',
      },
      settings,
    );
    expect(actions(gone)).toEqual(['alert/critical']);
    expect(gone[0]?.decision.change).toEqual({ id: 'c-disappeared', type: 'disappeared' });
    const plain = propose(
      {
        store: STORE,
        resource: resource(),
        change: change('disappeared', resource()),
        revision: 7,
        findings: [],
        time: 't',
      },
      settings,
    );
    expect(actions(plain)).toEqual(['notify/warning']);
    expect(plain[0]?.decision.reason).toMatch(/disappeared$/);
  });

  it('every tracked change is one decision unless its alert_on severity is none, once per change id', () => {
    const s = (type: PublishedChange['type'], severity: PublishedChange['severity']) => ({
      store: STORE,
      resource: resource(),
      change: {
        ...change(type, resource(), severity),
        diff: [{ path: 'status', before: 'available', after: 'stopped' }],
      },
      revision: 7,
      findings: [],
      time: 't',
    });
    expect(actions(propose(s('status_changed', 'info'), settings))).toEqual(['audit/info']);
    expect(propose(s('status_changed', 'info'), settings)[0]?.decision.reason).toMatch(/from available to stopped/);
    expect(actions(propose(s('modified', 'warning'), settings))).toEqual(['notify/warning']);
    expect(actions(propose(s('appeared', 'info'), settings))).toEqual(['audit/info']);
    for (const type of ['appeared', 'disappeared', 'modified', 'tag_drift', 'status_changed', 'cost_increase'] as const)
      expect(propose(s(type, 'none'), settings)).toEqual([]);
    const [p] = propose(s('modified', 'warning'), settings);
    expect(p?.key).toBe('change:c-modified:notify');
    expect(p?.fingerprint).toBe('c-modified');
    expect(p?.decision.metadata.diff).toEqual([{ path: 'status', before: 'available', after: 'stopped' }]);
  });

  it("a scope's first scan is the estate being found: its appearances decide nothing", () => {
    const found = { ...change('appeared', null, 'info'), baseline: true };
    expect(
      propose({ store: STORE, resource: resource(), change: found, revision: 1, findings: [], time: 't' }, settings),
    ).toEqual([]);
  });

  it('protects a production resource under a change with auto_protect_prod, and only then', () => {
    const prod = resource({ environment: 'production' });
    const s = {
      store: STORE,
      resource: prod,
      change: change('modified', prod, 'info'),
      revision: 7,
      findings: [],
      time: 't',
    };
    const protectProd = { key: 'environment', values: ['production'] };
    expect(actions(propose(s, { ...settings, protectProd }))).toEqual(['protect/warning', 'audit/info']);
    expect(actions(propose(s, settings))).toEqual(['audit/info']);
    const gone = { ...s, change: change('disappeared', prod) };
    expect(actions(propose(gone, { ...settings, protectProd }))).toEqual(['notify/warning']);
  });

  it('policy_violation: severity_based as said, one severity for all, or none', () => {
    const s = {
      store: STORE,
      resource: resource(),
      revision: 7,
      findings: [finding('elava.security', 'deny', 'critical', 'open to the world')],
      time: 't',
    };
    expect(actions(propose(s, { ...settings, policyViolation: 'severity_based' }))).toEqual(['alert/critical']);
    expect(actions(propose(s, { ...settings, policyViolation: 'info' }))).toEqual(['audit/info']);
    expect(propose(s, { ...settings, policyViolation: 'none' })).toEqual([]);
  });

  it('one decision per resource and package, listing every finding of the package', () => {
    const s = {
      store: STORE,
      resource: resource(),
      revision: 7,
      findings: [
        finding('elava.tags', 'info', 'info', 'db-1 has no tags at all'),
        finding('elava.tags', 'warn', 'warning', 'db-1 lacks the required tag elava:owner'),
        finding('elava.tags', 'warn', 'warning', 'db-1 lacks the required tag environment'),
        finding('elava.security', 'deny', 'critical', 'db-1 is publicly accessible'),
      ],
      time: 't',
    };
    const ps = propose(s, settings);
    expect(actions(ps)).toEqual(['notify/warning', 'alert/critical']);
    expect(ps[0]?.decision.reason).toBe(
      '3 findings: db-1 lacks the required tag elava:owner; db-1 lacks the required tag environment; db-1 has no tags at all',
    );
    expect(ps[0]?.decision.metadata.findings).toHaveLength(3);
    expect(ps[0]?.decision.policy).toEqual({ package: 'elava.tags', rule: 'warn' });
    // A finding more in the package is news (another fingerprint); the same findings are not.
    const fewer = propose({ ...s, findings: s.findings.slice(1) }, settings)[0];
    expect(fewer?.key).toBe(ps[0]?.key);
    expect(fewer?.fingerprint).not.toBe(ps[0]?.fingerprint);
    const reversed = propose({ ...s, findings: [...s.findings].reverse() }, settings);
    expect(reversed.find((p) => p.decision.policy?.package === 'elava.tags')?.fingerprint).toBe(ps[0]?.fingerprint);
  });

  it('protects a blessed resource under change only when configured', () => {
    const blessed = resource({ 'elava:blessed': 'true' });
    const s = {
      store: STORE,
      resource: blessed,
      change: change('modified', null, 'none'),
      revision: 7,
      findings: [],
      time: 't',
    };
    expect(propose(s, settings)).toEqual([]);
    expect(actions(propose(s, { ...settings, protectBlessed: true }))).toEqual(['protect/critical']);
  });

  it('tag drift: notify, or enforce_policy with the diff to restore when remediation is on', () => {
    const s = { store: STORE, resource: resource(), change: change('tag_drift'), revision: 7, findings: [], time: 't' };
    expect(actions(propose(s, settings))).toEqual(['notify/warning']);
    const fix = propose(s, { ...settings, remediateTags: true });
    expect(actions(fix)).toEqual(['enforce_policy/warning']);
    expect(fix[0]?.decision.metadata.restore).toEqual(s.change.diff);
  });

  it('a tag being restored is not also filled in by auto_tag', () => {
    const s = {
      store: STORE,
      resource: resource(),
      change: change('tag_drift'),
      revision: 7,
      findings: [finding('elava.tags', 'warn', 'warning', 'db-1 lacks the required tag team')],
      time: 't',
    };
    expect(actions(propose(s, { ...settings, remediateTags: true, autoTag: true }))).toEqual([
      'enforce_policy/warning',
      'notify/warning',
    ]);
  });

  it('fingerprints a finding by what it is about: another port is news, another day is not', () => {
    const key = (msg: string) =>
      propose(
        {
          store: STORE,
          resource: resource(),
          revision: 7,
          findings: [finding('elava.security', 'deny', 'critical', msg)],
          time: 't',
        },
        settings,
      )[0]?.fingerprint;
    expect(key('sg-1 is open to 0.0.0.0/0 on port 22')).not.toBe(key('sg-1 is open to 0.0.0.0/0 on port 3389'));
    expect(key('i-1 has been stopped for 31 days')).toBe(key('i-1 has been stopped for 32 days'));
  });

  it('tag drift that only added tags is reported, never undone (auto_tag would be fought forever)', () => {
    const added = { ...change('tag_drift'), diff: [{ path: 'tags.elava:owner', after: 'platform' }] };
    const s = { store: STORE, resource: resource(), change: added, revision: 7, findings: [], time: 't' };
    expect(actions(propose(s, { ...settings, remediateTags: true }))).toEqual(['notify/warning']);
  });

  it('findings go by severity_actions; tagging findings to notify or auto_tag; never auto-acts on blessed', () => {
    const findings = [
      finding('elava.security', 'deny', 'critical', 'database db-1 is publicly accessible'),
      finding('elava.cost', 'info', 'info', 'x'),
      finding('elava.tags', 'info', 'info', 'db-1 has no tags at all'),
    ];
    const s = { store: STORE, resource: resource(), revision: 7, findings, time: 't' };
    expect(actions(propose(s, settings))).toEqual(['alert/critical', 'audit/info', 'notify/info']);
    expect(actions(propose(s, { ...settings, autoTag: true }))).toEqual([
      'alert/critical',
      'audit/info',
      'auto_tag/info',
    ]);
    const blessed = { ...s, resource: resource({ 'elava:blessed': 'true' }) };
    expect(actions(propose(blessed, { ...settings, autoTag: true })).at(-1)).toBe('notify/info');
    expect(propose(s, { ...settings, mode: 'dry_run' })[0]?.decision.metadata).toMatchObject({ dry_run: true });
  });

  it('keys a finding so the next scan recognises it, even when a number in it moved', () => {
    const at = (days: number) =>
      propose(
        {
          store: STORE,
          resource: resource(),
          revision: 7,
          time: 't',
          findings: [finding('elava.cost', 'warn', 'warning', `stopped for ${days} days`)],
        },
        settings,
      )[0]!;
    expect(at(52).key).toBe(at(53).key);
    expect(at(52).fingerprint).toBe(at(53).fingerprint);
    expect(decisionId(at(52), 1000)).toBe(decisionId(at(53), 1000));
    expect(decisionId(at(52), 1000)).not.toBe(decisionId(at(52), 2000));
  });
});

describe('propose merges', () => {
  it('a policy finding that repeats a change rule joins that decision: one critical alert', () => {
    const blessed = resource({ 'elava:blessed': 'true' });
    const found = finding('elava.lifecycle', 'deny', 'critical', 'blessed resource gone');
    const ps = propose(
      {
        store: STORE,
        resource: blessed,
        change: change('disappeared', blessed, 'critical'),
        revision: 7,
        findings: [found],
        time: 't',
      },
      settings,
    );
    expect(actions(ps)).toEqual(['alert/critical']);
    expect(ps[0]?.decision.policy).toEqual({ package: 'elava.lifecycle', rule: 'deny' });
  });
});
