import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { CreateAccessKeyCommand, CreateUserCommand, IAMClient, PutUserPolicyCommand } from '@aws-sdk/client-iam';
import { ClientSet, PROVIDERS } from '@elava/aws';
import { seedEveryType, seedRegion } from '@elava/demo';
import { RESOURCE_TYPES, type ResourceType } from '@elava/types';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { infra, unique } from '../support/infra.js';
import { resetMoto } from '../support/seed.js';

const ACCOUNT = '123456789012';
const REGION = 'us-east-1';
const testing = { accessKeyId: 'testing', secretAccessKey: 'testing' };

/**
 * moto checks IAM policies once told to (`/moto-api/reset-auth`): every later call must be signed
 * by a user of its IAM whose policies allow the call, by the action name moto derives.
 */
async function motoAuth(after: number | 'never'): Promise<void> {
  const res = await fetch(`${infra().moto}/moto-api/reset-auth`, {
    method: 'POST',
    body: after === 'never' ? 'inf' : String(after),
  });
  if (!res.ok) throw new Error(`moto reset-auth answered ${res.status}`);
}

/**
 * The scanner role's policy exactly as shipped, plus two moto gaps, only in moto's copy:
 * - moto authorises API Gateway by operation name (apigateway:GetRestApis), where AWS authorises
 *   its control plane by HTTP verb (apigateway:GET, which the shipped policy grants);
 * - moto's S3 action map (5.2) lacks `?encryption` and spells `?publicAccessBlock` differently, so
 *   it asks GetBucketEncryption and GetPublicAccessBlock for s3:ListBucket, where AWS asks for
 *   s3:GetEncryptionConfiguration and s3:GetBucketPublicAccessBlock (granted as shipped).
 */
function policyForMoto(): string {
  const policy = JSON.parse(readFileSync(join(import.meta.dirname, '../../docs/iam-policy.json'), 'utf8'));
  const gaps = [...PROVIDERS['apigateway.rest_api'].operations.map((op) => `apigateway:${op}`), 's3:ListBucket'];
  policy.Statement.push({ Sid: 'MotoNamesApiGatewayByOperation', Effect: 'Allow', Action: gaps, Resource: '*' });
  return JSON.stringify(policy);
}

describe('a scan with docs/iam-policy.json alone', () => {
  const prefix = unique('pol');
  let scanner: { accessKeyId: string; secretAccessKey: string };
  let seeded: Partial<Record<ResourceType, string[]>> = {};

  beforeAll(async () => {
    // The older types' seeding has fixed names: a moto of its own state, as providers.test.ts does.
    await resetMoto(infra().moto);
    await seedRegion(infra().moto, REGION, { volumes: 1 });
    seeded = await seedEveryType(infra().moto, REGION, { prefix, global: true });
    const iam = new IAMClient({ region: REGION, endpoint: infra().moto, credentials: testing });
    const user = `${prefix}-scanner`;
    await iam.send(new CreateUserCommand({ UserName: user }));
    await iam.send(new PutUserPolicyCommand({ UserName: user, PolicyName: 'elava', PolicyDocument: policyForMoto() }));
    const key = (await iam.send(new CreateAccessKeyCommand({ UserName: user }))).AccessKey;
    scanner = { accessKeyId: key?.AccessKeyId ?? '', secretAccessKey: key?.SecretAccessKey ?? '' };
    iam.destroy();
    await motoAuth(0);
  });
  afterAll(() => motoAuth('never'));

  it('reads every type, and every seeded resource, with nothing denied', async () => {
    const failed: string[] = [];
    for (const type of RESOURCE_TYPES) {
      const p = PROVIDERS[type];
      const region = p.global ? 'global' : REGION;
      const clients = new ClientSet({ region, endpoint: infra().moto, credentials: async () => scanner });
      try {
        const ids = new Set<string>();
        for await (const page of p.pages({ account: ACCOUNT, region, clients }))
          for (const r of page) ids.add(r.native_id);
        for (const id of seeded[type] ?? []) if (!ids.has(id)) failed.push(`${type}: ${id} not read`);
      } catch (err) {
        failed.push(`${type}: ${(err as Error).name}: ${(err as Error).message.slice(0, 160)}`);
      } finally {
        clients.destroy();
      }
    }
    expect(failed).toEqual([]);
  });

  it('is enforced: the same user may not write', async () => {
    const iam = new IAMClient({ region: REGION, endpoint: infra().moto, credentials: scanner });
    await expect(iam.send(new CreateUserCommand({ UserName: `${prefix}-x` }))).rejects.toMatchObject({
      name: 'AccessDenied',
    });
    iam.destroy();
  });
});
