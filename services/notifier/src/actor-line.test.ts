import type { Actor, Decision } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { single } from './message.js';

const actor: Actor = {
  principal_arn: 'arn:aws:sts::123456789012:assumed-role/deployer/alice',
  principal_type: 'AssumedRole',
  source_identity: 'alice@example.com',
  event_name: 'CreateTags',
  event_time: '2026-11-22T09:59:58Z',
  via: 'event',
};

const decision = (metadata: Record<string, unknown>): Decision => ({
  id: 'd1',
  store: 'a1b2c3d4e5f6',
  action: 'notify',
  severity: 'warning',
  resource: {
    id: 'aws:123456789012:us-east-1:ec2.instance:i-0abc',
    type: 'ec2.instance',
    account: '123456789012',
    region: 'us-east-1',
    tags: {},
  },
  reason: 'tags of aws:123456789012:us-east-1:ec2.instance:i-0abc drifted',
  change: { id: 'chg_1', type: 'tag_drift' },
  revision: 7,
  time: '2026-11-22T10:00:00Z',
  metadata,
});

const section = (m: ReturnType<typeof single>) =>
  (m.blocks ?? []).flatMap((b) => (b.type === 'section' ? [b.text.text] : [])).join('\n');

describe('Slack messages name who made the change', () => {
  it('in the section and the plain-text fallback, when the change has an actor', () => {
    const m = single(decision({ actor }));
    expect(section(m)).toContain(
      '_by_ `arn:aws:sts::123456789012:assumed-role/deployer/alice (source identity alice@example.com)` (CreateTags at 2026-11-22T09:59:58Z)',
    );
    expect(m.text).toContain(
      '(by arn:aws:sts::123456789012:assumed-role/deployer/alice (source identity alice@example.com))',
    );
  });

  it('says nothing of it when no one is known', () => {
    const m = single(decision({}));
    expect(section(m)).not.toContain('_by_');
    expect(m.text).not.toContain('(by ');
  });
});
