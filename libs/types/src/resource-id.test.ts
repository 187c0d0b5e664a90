import { describe, expect, it } from 'vitest';
import { formatResourceId, InvalidResourceIdError, parseResourceId } from './resource-id.js';
import { scopeKey } from './scope.js';

describe('canonical resource ids', () => {
  it('round-trips, keeping colons inside the native id', () => {
    const parts = {
      provider: 'aws' as const,
      account: '123456789012',
      region: 'us-east-1',
      type: 'rds.snapshot' as const,
      nativeId: 'rds:db-1-2026-11-20-10-00',
    };
    const id = formatResourceId(parts);
    expect(id).toBe('aws:123456789012:us-east-1:rds.snapshot:rds:db-1-2026-11-20-10-00');
    expect(parseResourceId(id)).toEqual(parts);
  });

  it.each([
    ['gcp:123456789012:us-east-1:ec2.vpc:vpc-1', 'unknown provider'],
    ['aws:1234:us-east-1:ec2.vpc:vpc-1', 'not 12 digits'],
    ['aws:123456789012:moon-1:ec2.vpc:vpc-1', 'not an AWS region'],
    ['aws:123456789012:us-east-1:ec2.ami:ami-1', 'unknown type'],
    ['aws:123456789012:us-east-1:ec2.vpc:', 'native id is empty'],
    ['aws:123456789012', 'expected provider'],
  ])('refuses %s', (id, reason) => {
    expect(() => parseResourceId(id)).toThrow(InvalidResourceIdError);
    expect(() => parseResourceId(id)).toThrow(reason);
  });
});

describe('scope keys', () => {
  it('do not depend on the order tags were written in', () => {
    const a = scopeKey({
      account: '1',
      region: 'r',
      type: 'ec2.instance',
      filter: { tags: { b: '2', a: ['y', 'x'] } },
    });
    const b = scopeKey({
      account: '1',
      region: 'r',
      type: 'ec2.instance',
      filter: { tags: { a: ['x', 'y'], b: '2' } },
    });
    expect(a).toBe(b);
    expect(a).toBe('1/r/ec2.instance?a=x|y,b=2');
  });
});
