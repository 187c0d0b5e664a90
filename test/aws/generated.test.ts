import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import {
  ACCOUNT_ACTIONS,
  executorPolicy,
  iamAction,
  openapiWithTypes,
  PROVIDERS,
  READ_ONLY,
  readActions,
  scannerPolicy,
  typeCatalogSource,
  WRITE_OPERATIONS,
} from '@elava/aws';
import { RESOURCE_TYPES, TYPE_CATALOG } from '@elava/types';
import { describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '../..');
const read = (path: string) => readFileSync(join(root, path), 'utf8');
const regenerate = 'differs from what the readers declare: run `npm run generate`';

describe('files generated from the readers stay equal to them', () => {
  it.each([
    ['libs/types/src/resource-types.generated.ts', () => typeCatalogSource(PROVIDERS)],
    ['docs/iam-policy.json', () => scannerPolicy(PROVIDERS)],
    ['docs/iam-executor-policy.json', () => executorPolicy(PROVIDERS)],
    ['docs/openapi.yaml', () => openapiWithTypes(read('docs/openapi.yaml'), PROVIDERS)],
  ])('%s', (path, make) => {
    expect(read(path), `${path} ${regenerate}`).toBe(make());
  });

  it('lists every registered type once, in @elava/types and the OpenAPI enum', () => {
    expect([...RESOURCE_TYPES]).toEqual(Object.keys(PROVIDERS));
    for (const [type, p] of Object.entries(PROVIDERS)) {
      expect(p.type).toBe(type);
      expect(type).toMatch(/^[a-z0-9]+\.[a-z0-9_]+$/);
      expect(p.cfnType).toMatch(/^AWS::[A-Za-z0-9]+::[A-Za-z0-9]+$/);
      expect(TYPE_CATALOG[type as keyof typeof TYPE_CATALOG]).toEqual({
        cfn: p.cfnType,
        global: p.global === true,
        taggable: p.tagWrites.writable,
      });
    }
    const yaml = read('docs/openapi.yaml');
    for (const type of RESOURCE_TYPES) expect(yaml).toContain(`          ${type},\n`);
  });
});

describe('the IAM policies grant exactly what the code calls', () => {
  it('the scanner policy: every read operation of every reader, and nothing that writes', () => {
    const policy = JSON.parse(read('docs/iam-policy.json'));
    expect(policy.Statement).toHaveLength(2);
    expect(policy.Statement[0]).toMatchObject({ Effect: 'Allow', Resource: '*' });
    expect(policy.Statement[0].Action).toEqual(readActions());
    // The principal's own needs besides the reads: the organization's account list and AssumeRole.
    expect(policy.Statement[1]).toMatchObject({ Sid: 'ElavaAccountsAndRoles', Effect: 'Allow', Resource: '*' });
    expect(policy.Statement[1].Action).toEqual([...ACCOUNT_ACTIONS]);
    for (const a of ACCOUNT_ACTIONS) expect(a).toMatch(/^organizations:List|^sts:AssumeRole$/);
    for (const p of Object.values(PROVIDERS))
      for (const op of p.operations) {
        expect(op, `${p.type}: ${op}`).toMatch(READ_ONLY);
        expect(policy.Statement[0].Action).toContain(iamAction(p.service, op));
      }
  });

  it('names IAM actions where they differ from the SDK operation', () => {
    expect(iamAction('s3', 'ListBuckets')).toBe('s3:ListAllMyBuckets');
    expect(iamAction('s3', 'GetBucketEncryption')).toBe('s3:GetEncryptionConfiguration');
    expect(iamAction('s3', 'GetPublicAccessBlock')).toBe('s3:GetBucketPublicAccessBlock');
    expect(iamAction('apigateway', 'GetRestApis')).toBe('apigateway:GET');
    expect(iamAction('apigateway', 'TagResource')).toBe('apigateway:PUT');
    expect(iamAction('apigateway', 'UntagResource')).toBe('apigateway:DELETE');
    expect(iamAction('ec2', 'DescribeVpcs')).toBe('ec2:DescribeVpcs');
  });

  it('the executor policy: tag writes of every taggable type, protection, and an explicit deny of the rest', () => {
    const policy = JSON.parse(read('docs/iam-executor-policy.json'));
    const [reads, tags, protection, deny] = policy.Statement;
    expect(reads.Action).toEqual(expect.arrayContaining(readActions()));
    const writes = new Set<string>([...tags.Action, ...protection.Action]);
    for (const p of Object.values(PROVIDERS)) {
      const ops = [
        ...Object.keys(p.tagWrites.writable ? p.tagWrites.commands : {}),
        ...Object.keys(p.protection?.commands ?? {}),
      ];
      for (const op of ops) {
        expect(writes.has(iamAction(p.service, op)), `${p.type}: ${op}`).toBe(true);
        expect(WRITE_OPERATIONS.has(op)).toBe(true);
      }
    }
    for (const a of writes)
      expect(a).toMatch(/:(Tag|Untag|Add|Remove|Create|Delete|Put|Change|Modify)\w*|^apigateway:(PUT|DELETE)$/);
    expect(deny).toMatchObject({ Effect: 'Deny', Resource: '*' });
    expect([...deny.NotAction].sort()).toEqual([...new Set([...reads.Action, ...writes])].sort());
  });

  it('every type either writes its tags or says why it cannot', () => {
    for (const p of Object.values(PROVIDERS)) {
      if (p.tagWrites.writable) expect(Object.keys(p.tagWrites.commands).length, p.type).toBeGreaterThan(0);
      else expect(p.tagWrites.why, p.type).toMatch(/\w{4,}/);
    }
  });
});
