// Realistic ~1 KiB resource documents, canonical JSON, deterministic.
import { canonicalJson, contentHash } from '@elava/store';

export const ACCOUNT = '123456789012';
export const REGION = 'us-east-1';
export const TYPES = [
  'ec2.instance',
  'ec2.volume',
  'ec2.snapshot',
  'ec2.security_group',
  'ec2.network_interface',
  'ec2.subnet',
  'ec2.eip',
  'rds.instance',
  'rds.snapshot',
  's3.bucket',
];

export function resourceId(type, n) {
  return `aws:${ACCOUNT}:${REGION}:${type}:r-${n.toString(16).padStart(8, '0')}`;
}

/**
 * A resource whose canonical JSON is close to 1024 bytes; `gen` changes its attributes and status
 * (drift), as a rescan of a real estate would; tags stay as they were.
 */
export function doc(type, n, gen) {
  const r = {
    id: resourceId(type, n),
    provider: 'aws',
    account: ACCOUNT,
    region: REGION,
    type,
    native_id: `r-${n.toString(16).padStart(8, '0')}`,
    name: `service-${n % 97}-${type.split('.')[1]}`,
    status: gen % 3 === 0 ? 'running' : 'stopped',
    created_at: '2026-01-01T00:00:00.000Z',
    tags: {
      Name: `service-${n % 97}`,
      environment: n % 5 === 0 ? 'production' : 'staging',
      'elava:owner': `team-${n % 13}`,
      'elava:managed': 'true',
    },
    attributes: {
      instance_type: ['t3.micro', 't3.large', 'm6i.xlarge'][gen % 3],
      vpc_id: `vpc-${(n % 7).toString(16).padStart(8, '0')}`,
      subnet_id: `subnet-${(n % 31).toString(16).padStart(8, '0')}`,
      security_group_ids: [
        `sg-${(n % 11).toString(16).padStart(8, '0')}`,
        `sg-${(n % 17).toString(16).padStart(8, '0')}`,
      ],
      private_ip: `10.${(n >> 16) & 255}.${(n >> 8) & 255}.${n & 255}`,
      launch_time: '2026-01-01T00:00:00.000Z',
      generation: gen,
    },
  };
  let json = canonicalJson(r);
  r.attributes.note = 'x'.repeat(Math.max(0, 1024 - json.length - 10));
  // Flatten the string as a parsed queue message would be: a rope would bill its flattening to the store.
  json = Buffer.from(canonicalJson(r)).toString();
  // As a scanner ships it (see encodeResource): the hash is computed where the work scales out.
  return { id: r.id, json, tags: r.tags, hash: contentHash(json).toString('base64') };
}
