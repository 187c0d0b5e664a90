import { parseConfig } from '@elava/config';
import { describe, expect, it } from 'vitest';
import { intervalNow, isWorkTime, planScopes } from './plan.js';

const config = (yaml: string) =>
  parseConfig(`version: "2.0"\nregions: [us-east-1, eu-west-1]\n${yaml}`, '/x/elava.yaml', {});

describe('tiers → scopes', () => {
  it("gives every type one unfiltered scope per account and region, at its tier's interval", () => {
    const c = config(`scanning:
  tiers:
    critical: { scan_interval: 5m, patterns: [{ type: rds }, { type: ec2.instance, tags: { environment: production } }] }
    rest: { scan_interval: 1h, patterns: [] }
`);
    const { scopes, warnings } = planScopes(c, ['123456789012', '210987654321']);
    expect(warnings).toEqual([]);
    const unfiltered = scopes.filter((s) => !s.scope.filter);
    expect(unfiltered).toHaveLength(15 * 2 * 2);
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

  it('runs a scope claimed twice at the shorter interval, and warns about types only seen filtered', () => {
    const c = config(`scanning:
  tiers:
    slow: { scan_interval: 1h, patterns: [{ type: [ec2.volume, s3] }] }
    fast: { scan_interval: 1m, patterns: [{ type: ec2.volume }, { type: ec2.vpc, tags: { env: prod } }] }
`);
    const { scopes, warnings } = planScopes(c, ['123456789012']);
    expect(scopes.find((s) => s.key === '123456789012/eu-west-1/ec2.volume')).toMatchObject({
      tier: 'fast',
      intervalMs: 60_000,
    });
    expect(scopes.find((s) => s.key === '123456789012/eu-west-1/s3.bucket')).toMatchObject({ tier: 'slow' });
    expect(warnings.some((w) => w.startsWith('ec2.vpc is scanned by no tier without a tag filter'))).toBe(true);
    expect(scopes.some((s) => s.scope.type === 'rds.instance')).toBe(false);
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
