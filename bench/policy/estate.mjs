// The bench's synthetic estate: every type the library looks at, in proportions that make findings
// of most kinds. Shared by bench/policy and the tests that hold dispatch and memo to the same findings.

/** `now` of the bench's inputs. */
export const NOW = '2026-11-22T12:00:00Z';

/** The i-th resource of the synthetic estate (five types in turn, findings of most kinds). */
export function resource(i) {
  const kind = i % 5;
  const base = { provider: 'aws', account: '123456789012', region: 'us-east-1', name: `r-${i}` };
  const tags =
    i % 7 === 0
      ? {}
      : { Name: `r-${i}`, environment: i % 3 ? 'production' : 'dev', 'elava:managed': String(i % 2 === 0) };
  const id = (type, native) => ({ id: `aws:123456789012:us-east-1:${type}:${native}`, type, native_id: native });
  switch (kind) {
    case 0:
      return {
        ...base,
        ...id('ec2.instance', `i-${i}`),
        tags,
        attributes: {
          instance_type: i % 11 ? 't3.micro' : 'm6i.8xlarge',
          state: i % 13 ? 'running' : 'stopped',
          state_transition_reason: 'User initiated (2026-09-01 10:00:00 GMT)',
          vpc_id: 'vpc-1',
          security_group_ids: ['sg-1'],
        },
      };
    case 1:
      return {
        ...base,
        ...id('ec2.security_group', `sg-${i}`),
        tags,
        attributes: {
          group_name: 'g',
          description: 'd',
          rules: [
            {
              direction: 'ingress',
              protocol: 'tcp',
              from_port: i % 4 ? 443 : 22,
              to_port: i % 4 ? 443 : 22,
              source: '0.0.0.0/0',
            },
            { direction: 'egress', protocol: '-1', from_port: null, to_port: null, source: '0.0.0.0/0' },
          ],
        },
      };
    case 2:
      return {
        ...base,
        ...id('ec2.volume', `vol-${i}`),
        tags,
        attributes: {
          volume_type: 'gp3',
          size_gib: 100,
          encrypted: i % 3 === 0,
          state: i % 4 ? 'in-use' : 'available',
          availability_zone: 'us-east-1a',
          attached_instance_ids: i % 4 ? ['i-1'] : [],
        },
      };
    case 3:
      return {
        ...base,
        ...id('s3.bucket', `b-${i}`),
        tags,
        attributes: {
          encryption: { enabled: true },
          public_access_block: {
            configured: i % 5 !== 0,
            block_public_acls: true,
            ignore_public_acls: true,
            block_public_policy: true,
            restrict_public_buckets: true,
          },
          versioning: 'Enabled',
          policy: { present: false, is_public: false },
          acl_public: i % 10 === 0,
        },
      };
    default:
      return {
        ...base,
        ...id('rds.instance', `db-${i}`),
        tags,
        attributes: {
          engine: 'postgres',
          instance_class: 'db.t3.micro',
          status: 'available',
          allocated_storage_gib: 20,
          storage_encrypted: i % 2 === 0,
          publicly_accessible: i % 9 === 0,
          multi_az: false,
          deletion_protection: true,
        },
      };
  }
}

/** The first n inputs of the synthetic estate: each resource as it stands. */
export const syntheticInputs = (n, now = NOW) => Array.from({ length: n }, (_, i) => ({ resource: resource(i), now }));
