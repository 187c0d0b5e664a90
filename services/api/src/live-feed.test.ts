import type { Decision } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { changeMatches, decisionMatches, liveChange, parseLiveFilter } from './live-feed.js';

const id = 'aws:123456789012:eu-west-1:ec2.instance:i-0abc';
const published = {
  id: 'c1',
  type: 'tag_drift',
  store: 'a1b2c3d4e5f6',
  resource_id: id,
  revision: 5,
  previous_revision: 4,
  time: '2026-01-01T00:00:00Z',
  diff: [{ path: 'tags.team', before: 'a', after: 'b' }],
  previous: { tags: { team: 'a' } },
  current: { tags: { team: 'b' } },
  severity: 'warning',
};
const filter = (q: string) => parseLiveFilter(new URLSearchParams(q));

describe('live feed filters', () => {
  it('sends a change as the listing item with its tags, matched as the changes listing filters', () => {
    const c = liveChange(published);
    expect(c).not.toHaveProperty('current');
    expect(c?.tags).toEqual({ team: 'b' });
    for (const q of [
      '',
      'type=ec2.instance',
      'type=tag_drift',
      'kind=tag_drift',
      'region=eu-west-1',
      'tag=team=b',
      'tag=team',
      `resource=${id}`,
    ])
      expect(changeMatches(filter(q), c!), q).toBe(true);
    for (const q of [
      'type=ec2.volume',
      'type=appeared',
      'account=999999999999',
      'region=us-east-1',
      'tag=team=a',
      'tag=owner',
    ])
      expect(changeMatches(filter(q), c!), q).toBe(false);
    // A disappearance has no current version: its tags are the ones it had.
    expect(liveChange({ ...published, type: 'disappeared', current: null })?.tags).toEqual({ team: 'a' });
    expect(liveChange({ id: 'x' })).toBeNull();
  });

  it('matches decisions on their resource, and on the change they are about', () => {
    const d = {
      id: 'd1',
      action: 'notify',
      severity: 'info',
      resource: { id, type: 'ec2.instance', account: '123456789012', region: 'eu-west-1', tags: { team: 'b' } },
      change: { id: 'c1', type: 'tag_drift' },
    } as unknown as Decision;
    expect(decisionMatches(filter('tag=team=b&kind=tag_drift'), d)).toBe(true);
    expect(decisionMatches(filter('kind=appeared'), d)).toBe(false);
    expect(decisionMatches(filter('region=us-east-1'), d)).toBe(false);
  });

  it('refuses what the feed does not take, saying why', () => {
    expect(() => filter('kind=vanished')).toThrow(/kind: unknown change type/);
    expect(() => filter('since=1h')).toThrow(/no window/);
    expect(() => filter('tag=a&tag=b')).toThrow(/given more than once/);
    expect(() => filter('colour=red')).toThrow(/unknown parameter "colour"/);
  });
});
