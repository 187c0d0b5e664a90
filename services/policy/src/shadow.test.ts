import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, parseConfig } from '@elava/config';
import { createLogger } from '@elava/log';
import type { AnyResource, PublishedChange } from '@elava/types';
import { afterEach, describe, expect, it } from 'vitest';
import { type DecisionSettings, propose } from './decide.js';
import type { Finding } from './policy-set.js';
import { absentShadow, shadowProposal, splitByShadow } from './shadow.js';
import { ShadowList } from './shadow-list.js';

const log = createLogger({ service: 'test', level: 'silent' });
const SETTINGS: DecisionSettings = {
  mode: 'notify',
  severityActions: { critical: 'alert', warning: 'notify', info: 'audit' },
  remediateTags: false,
  protectBlessed: false,
  autoTag: false,
};
const finding = (pkg: string, rule: Finding['rule'] = 'deny'): Finding => ({
  package: pkg,
  rule,
  severity: rule === 'deny' ? 'critical' : 'warning',
  msg: `${pkg} says so`,
  suggestion: '',
});

describe('policies.shadow', () => {
  const dirs: string[] = [];
  afterEach(() => {
    for (const d of dirs.splice(0)) rmSync(d, { recursive: true, force: true });
  });

  it('takes elava.<name> or <name>, once each, and refuses anything else naming the key', () => {
    const c = parseConfig(
      'version: "2.0"\npolicies: { shadow: [security, elava.cost, elava.security] }\n',
      'x.yaml',
      {},
    );
    expect(c.policies.shadow).toEqual(['elava.security', 'elava.cost']);
    expect(parseConfig('version: "2.0"\n', 'x.yaml', {}).policies.shadow).toEqual([]);
    for (const bad of ['Elava.Security', 'elava.', 'elava.a.b', 'data.elava.x']) {
      const err = (() => {
        try {
          parseConfig(`version: "2.0"\npolicies: { shadow: ["${bad}"] }\n`, 'x.yaml', {});
        } catch (e) {
          return e;
        }
      })();
      expect(err).toBeInstanceOf(ConfigError);
      expect((err as Error).message).toMatch(/policies\.shadow\[0\]: expected a policy package name/);
    }
  });

  it('splits findings between the packages in service and those in the shadow', () => {
    const all = [finding('elava.security'), finding('elava.tags', 'warn'), finding('elava.security', 'warn')];
    const { live, held } = splitByShadow(all, new Set(['elava.security']));
    expect(live.map((f) => f.package)).toEqual(['elava.tags']);
    expect(held.map((f) => `${f.package} ${f.rule}`)).toEqual(['elava.security deny', 'elava.security warn']);
    expect(splitByShadow(all, new Set()).live).toBe(all);
  });

  it("makes a shadow package's finding decisions its own, never a change's decision", () => {
    const r = {
      id: 'aws:123456789012:us-east-1:ec2.security_group:sg-1',
      type: 'ec2.security_group',
      account: '123456789012',
      region: 'us-east-1',
      tags: {},
    } as unknown as AnyResource;
    const change = {
      id: 'chg-1',
      type: 'modified',
      diff: [],
      revision: 2,
      severity: 'warning',
      previous: r,
      current: r,
    } as unknown as PublishedChange;
    const proposals = propose(
      { store: 's', resource: r, change, revision: 2, findings: [finding('elava.security')], time: 't' },
      SETTINGS,
    );
    const shadow = new Set(['elava.security']);
    const made = proposals.map((p) => shadowProposal(p, shadow)).filter((p) => p !== null);
    expect(proposals.length).toBeGreaterThan(1);
    expect(made).toHaveLength(1);
    expect(made[0]?.key).toBe(`shadow:finding:${r.id}:elava.security`);
    expect(made[0]?.decision.metadata.shadow).toBe(true);
    expect(made[0]?.decision.policy).toEqual({ package: 'elava.security', rule: 'deny' });
  });

  it('names shadow packages the library lacks', () => {
    expect(absentShadow(['elava.security', 'elava.next'], ['elava.security', 'elava.tags'])).toEqual(['elava.next']);
  });

  it('follows the configuration file, and keeps the list when the file stops loading', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'elava-shadow-'));
    dirs.push(dir);
    const file = join(dir, 'elava.yaml');
    const write = (text: string) => writeFileSync(file, `version: "2.0"\n${text}`);
    write('policies: { shadow: [security, cost] }\n');
    const list = new ShadowList(['elava.security', 'elava.cost'], file, log, {}, 20);
    try {
      // After the watcher's first look at the file (it compares each look with the one before).
      await new Promise((r) => setTimeout(r, 200));
      write('policies: { shadow: [cost] }\n');
      const deadline = Date.now() + 5_000;
      while (list.current.has('elava.security') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 20));
      expect([...list.current]).toEqual(['elava.cost']);
      write('policies: { shadow: [Not A Package] }\n');
      expect(list.reread()).toBe(false);
      expect([...list.current]).toEqual(['elava.cost']);
      write('policies: {}\n');
      expect(list.reread()).toBe(true);
      expect([...list.current]).toEqual([]);
    } finally {
      list.close();
    }
  });
});
