import { describe, expect, it } from 'vitest';
import { decisionSchema, observationPageSchema, policyRequestSchema } from './messages.js';
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

describe('observation pages', () => {
  const observation = (n: number) => ({
    id: `aws:111111111111:us-east-1:ec2.vpc:vpc-${n}`,
    json: `{"id":"aws:111111111111:us-east-1:ec2.vpc:vpc-${n}"}`,
    tags: { Name: `vpc-${n}` },
    hash: `${'A'.repeat(27)}=`,
  });
  const page = (resources: unknown[]) => ({
    scan_id: 'scan-1',
    page_id: 'scan-1@1#0',
    page: 0,
    attempt: 1,
    scope: { account: '111111111111', region: 'us-east-1', type: 'ec2.vpc' },
    observed_at: '2026-12-01T00:00:00.000Z',
    resources,
  });

  it('takes well-formed observations as they are', () => {
    const resources = [observation(1), observation(2)];
    const parsed = parseMessage(observationPageSchema, page(resources), 'test');
    expect(parsed.resources).toEqual(resources);
  });

  it('names the observation and the field that is wrong, as the schema words it', () => {
    const bad = [
      [{ ...observation(3), hash: 'short' }, 'resources.1.hash: hash must be a base64 sha1'],
      [{ ...observation(3), tags: { Name: 7 } }, 'resources.1.tags.Name'],
      [{ ...observation(3), tags: ['a'] }, 'resources.1.tags'],
      [{ ...observation(3), id: '' }, 'resources.1.id'],
      [{ ...observation(3), json: undefined }, 'resources.1.json'],
      ['not an object', 'resources.1'],
    ] as const;
    for (const [item, where] of bad) {
      const err = (() => {
        try {
          parseMessage(observationPageSchema, page([observation(1), item]), 'test');
        } catch (e) {
          return e as Error;
        }
        throw new Error(`accepted ${JSON.stringify(item)}`);
      })();
      expect(err).toBeInstanceOf(InvalidMessageError);
      expect(err.message).toContain(where);
    }
  });
});
