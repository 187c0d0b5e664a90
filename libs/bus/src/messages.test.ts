import { describe, expect, it } from 'vitest';
import { decisionSchema, policyRequestSchema } from './messages.js';
import { InvalidMessageError, parseMessage } from './validate.js';

const problems = (schema: Parameters<typeof parseMessage>[0], data: unknown): string[] => {
  try {
    parseMessage(schema, data, 'test');
  } catch (err) {
    expect(err).toBeInstanceOf(InvalidMessageError);
    return (err as InvalidMessageError).problems;
  }
  throw new Error('expected the message to be refused');
};

const STORE = 'a1b2c3d4e5f6';

describe('policy requests', () => {
  it('names what is wrong with the shape its kind names, not "invalid input"', () => {
    expect(problems(policyRequestSchema, { store: STORE, key: 'k', revision: 1, changes: [] })).toEqual([
      'changes: Too small: expected array to have >=1 items',
    ]);
    expect(problems(policyRequestSchema, { kind: 'scope', store: STORE, key: 'k', revision: 3 })).toEqual([
      'scope: Invalid input: expected object, received undefined',
    ]);
    expect(problems(policyRequestSchema, null)[0]).toMatch(/^\(root\): /);
    const ok = {
      kind: 'scope',
      store: STORE,
      key: 'k',
      revision: 3,
      scope: { account: '123456789012', region: 'us-east-1', type: 'ec2.vpc' },
    };
    expect(parseMessage(policyRequestSchema, ok, 'test')).toEqual(ok);
  });

  it('refuses a request that does not name its store', () => {
    expect(problems(policyRequestSchema, { key: 'k', revision: 1, changes: [{}] })).toContain(
      'store: Invalid input: expected string, received undefined',
    );
    expect(
      problems(policyRequestSchema, { kind: 'scope', store: 'rev-1', key: 'k', revision: 1, scope: {} }),
    ).toContain('store: store must be a store identity (12 hex digits)');
  });

  it('checks decisions at the edge: action, severity and resource', () => {
    expect(problems(decisionSchema, { id: 'd', action: 'delete', severity: 'info' }).join('\n')).toMatch(/^action: /m);
  });
});
