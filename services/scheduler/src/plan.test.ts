import { parseConfig } from '@elava/config';
import { isGlobalType, RESOURCE_TYPES } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { intervalNow, isWorkTime, planScopes, SWEEP_TIER } from './plan.js';

const GLOBAL = RESOURCE_TYPES.filter(isGlobalType).length;
const REGIONAL = RESOURCE_TYPES.length - GLOBAL;
const EC2 = RESOURCE_TYPES.filter((t) => t.startsWith('ec2.')).length;

const config = (yaml: string) =>
  parseConfig(`version: "2.0"\nregions: [us-east-1, eu-west-1]\n${yaml}`, '/x/elava.yaml', {});

describe('tiers → scopes', () => {
  it("gives every type one unfiltered scope per account and region, at its tier's interval", () => {
    const c = config(`scanning:
  tiers:
    critical: { scan_interval: 5m, patterns: [{ type: rds }, { type: ec2.instance, tags: { environment: production } }] }
    rest: { scan_interval: 1h, patterns: [] }
`);
    const { scopes, swept } = planScopes(c, ['123456789012', '210987654321']);
    expect(swept).toEqual([]);
    const unfiltered = scopes.filter((s) => !s.scope.filter);
    // Two accounts: each regional type in both regions, each global type once.
    expect(unfiltered).toHaveLength(2 * (REGIONAL * 2 + GLOBAL));
    expect(scopes.find((s) => s.key === '123456789012/global/iam.role')).toMatchObject({ tier: 'rest' });
    expect(scopes.filter((s) => s.scope.type === 'iam.role').map((s) => s.scope.region)).toEqual(['global', 'global']);
    expect(scopes.find((s) => s.key === '123456789012/us-east-1/rds.instance')).toMatchObject({
      tier: 'critical',
      intervalMs: 300_000,
    });
    expect(scopes.find((s) => s.key === '123456789012/us-east-1/ec2.instance')).toMatchObject({
      tier: 'rest',
      intervalMs: 3_600_000,
    });
    expect(scopes.find((s) => s.key === '123456789012/us-east-1/ec2.instance?environment=production')).toMatchObject({
      tier: 'critical',
      scope: { filter: { tags: { environment: 'production' } } },
    });
  });

  it('runs a scope claimed twice at the shorter interval, and sweeps every type no tier scans unfiltered at check_interval', () => {
    const c = config(`change_detection: { check_interval: 10m }
scanning:
  tiers:
    slow: { scan_interval: 1h, patterns: [{ type: [ec2.volume, s3] }] }
    fast: { scan_interval: 1m, patterns: [{ type: ec2.volume }, { type: ec2.vpc, tags: { env: prod } }] }
`);
    const { scopes, swept } = planScopes(c, ['123456789012']);
    expect(scopes.find((s) => s.key === '123456789012/eu-west-1/ec2.volume')).toMatchObject({
      tier: 'fast',
      intervalMs: 60_000,
    });
    expect(scopes.find((s) => s.key === '123456789012/eu-west-1/s3.bucket')).toMatchObject({ tier: 'slow' });
    // ec2.vpc: filtered every minute, and swept unfiltered (the sweep is what tombstones).
    expect(scopes.find((s) => s.key === '123456789012/eu-west-1/ec2.vpc?env=prod')).toMatchObject({ tier: 'fast' });
    expect(scopes.find((s) => s.key === '123456789012/eu-west-1/ec2.vpc')).toMatchObject({
      tier: SWEEP_TIER,
      intervalMs: 600_000,
    });
    expect(swept).toHaveLength(RESOURCE_TYPES.length - 2);
    expect(swept).toContain('rds.instance');
    expect(swept).not.toContain('ec2.volume');
    expect(scopes.filter((s) => !s.scope.filter)).toHaveLength(REGIONAL * 2 + GLOBAL);
  });

  it('takes "*", "ec2.*" and a service name as a pattern type', () => {
    const types = (pattern: string) =>
      planScopes(config(`scanning:\n  tiers:\n    t: { scan_interval: 2m, patterns: [{ type: ${pattern} }] }\n`), [
        '123456789012',
      ])
        .scopes.filter((s) => s.tier === 't' && ['us-east-1', 'global'].includes(s.scope.region))
        .map((s) => s.scope.type);
    expect(types('"*"')).toHaveLength(RESOURCE_TYPES.length);
    expect(types('"ec2.*"')).toEqual(types('ec2'));
    expect(types('"ec2.*"')).toHaveLength(EC2);
    expect(types('iam')).toEqual(['iam.group', 'iam.instance_profile', 'iam.policy', 'iam.role', 'iam.user']);
    expect(types('rds')).toEqual(['rds.cluster', 'rds.instance', 'rds.snapshot']);
    expect(types('"s3.*"')).toEqual(['s3.bucket']);
  });

  it('scans an account in its own regions when it names them', () => {
    const c = config(`accounts:
  - { id: "123456789012", regions: [ap-south-1] }
  - { id: "210987654321" }
`);
    const { scopes } = planScopes(
      c,
      c.accounts.map((a) => a.id),
    );
    const regions = (account: string) => [
      ...new Set(scopes.filter((s) => s.scope.account === account).map((s) => s.scope.region)),
    ];
    expect(regions('123456789012').sort()).toEqual(['ap-south-1', 'global']);
    expect(regions('210987654321').sort()).toEqual(['eu-west-1', 'global', 'us-east-1']);
  });

  it("keeps the design's single tag-filtered tier from leaving types unwatched", () => {
    const c = config(`change_detection: { check_interval: 5m }
scanning:
  tiers:
    critical:
      scan_interval: 15m
      patterns:
        - type: rds
          tags:
            environment: production
`);
    const { scopes } = planScopes(c, ['123456789012']);
    const east = scopes.filter((s) => ['us-east-1', 'global'].includes(s.scope.region));
    expect(
      east
        .filter((s) => !s.scope.filter)
        .map((s) => s.scope.type)
        .sort(),
    ).toEqual([...RESOURCE_TYPES].sort());
    expect(east.filter((s) => !s.scope.filter).every((s) => s.intervalMs === 300_000 && s.tier === SWEEP_TIER)).toBe(
      true,
    );
    expect(east.filter((s) => s.scope.filter).map((s) => [s.scope.type, s.tier, s.intervalMs])).toEqual([
      ['rds.cluster', 'critical', 900_000],
      ['rds.instance', 'critical', 900_000],
      ['rds.snapshot', 'critical', 900_000],
    ]);
  });

  it('lowers the frequency off hours and at weekends, in the configured time zone', () => {
    const adaptive = { enabled: true, work_hours: '08:00-19:00', timezone: 'Europe/Berlin', off_hours_factor: 4 };
    const tuesdayNoonBerlin = new Date('2026-11-24T11:00:00Z');
    const tuesdayNightBerlin = new Date('2026-11-24T22:30:00Z');
    const saturdayNoon = new Date('2026-11-28T11:00:00Z');
    expect(isWorkTime('08:00-19:00', 'Europe/Berlin', tuesdayNoonBerlin)).toBe(true);
    expect(intervalNow(60_000, adaptive, tuesdayNoonBerlin)).toBe(60_000);
    expect(intervalNow(60_000, adaptive, tuesdayNightBerlin)).toBe(240_000);
    expect(intervalNow(60_000, adaptive, saturdayNoon)).toBe(240_000);
    expect(intervalNow(60_000, { ...adaptive, enabled: false }, saturdayNoon)).toBe(60_000);
    expect(isWorkTime('22:00-06:00', 'UTC', new Date('2026-11-24T23:00:00Z'))).toBe(true);
  });
});
