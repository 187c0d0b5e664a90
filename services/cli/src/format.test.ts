import { describe, expect, it } from 'vitest';
import { shortReason } from './format.js';

describe('shortReason', () => {
  const id = 'aws:123456789012:eu-west-1:ec2.security_group:sg-311a07ed03d3bfa48';

  it('says the native id where a reason names the resource in full, each time', () => {
    const reason = `3 findings: ${id} lacks the required tag elava:owner; ${id} lacks the required tag environment; ${id} has no tags at all`;
    expect(shortReason({ reason, resource: { id } })).toBe(
      '3 findings: sg-311a07ed03d3bfa48 lacks the required tag elava:owner; sg-311a07ed03d3bfa48 lacks the required tag environment; sg-311a07ed03d3bfa48 has no tags at all',
    );
  });

  it('leaves other ids, and a reason without one, as they are', () => {
    const other = 'aws:123456789012:eu-west-1:ec2.instance:i-1';
    expect(shortReason({ reason: `uses ${other}`, resource: { id } })).toBe(`uses ${other}`);
    expect(shortReason({ reason: 'a batch of 40 matches', resource: { id: '' } })).toBe('a batch of 40 matches');
  });
});
