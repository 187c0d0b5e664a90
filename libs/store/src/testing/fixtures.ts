import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { AnyResource, Scope } from '@elava/types';

export const ACCOUNT = '123456789012';

export function tempDir(prefix = 'elava-store-'): string {
  return mkdtempSync(join(tmpdir(), prefix));
}

export function scope(type: Scope['type'] = 'ec2.instance', region = 'us-east-1', account = ACCOUNT): Scope {
  return { account, region, type };
}

/** A small but real-shaped EC2 instance. */
export function instance(
  n: number | string,
  opts: { region?: string; tags?: Record<string, string>; state?: string; size?: string } = {},
): AnyResource {
  const region = opts.region ?? 'us-east-1';
  const native = `i-${String(n).padStart(8, '0')}`;
  return {
    id: `aws:${ACCOUNT}:${region}:ec2.instance:${native}`,
    provider: 'aws',
    account: ACCOUNT,
    region,
    type: 'ec2.instance',
    native_id: native,
    name: `web-${n}`,
    status: opts.state ?? 'running',
    tags: opts.tags ?? { Name: `web-${n}` },
    attributes: {
      instance_type: opts.size ?? 't3.micro',
      state: opts.state ?? 'running',
      security_group_ids: ['sg-1'],
    },
  } as AnyResource;
}
