import { DescribeKeyPairsCommand } from '@aws-sdk/client-ec2';
import { base, compact, iso, required, tagsOf } from '../normalize.js';
import { arnOf, ec2Filters, type Provider } from '../provider.js';
import { EC2_TAG_WRITES } from '../tag-writes.js';

export interface Ec2KeyPairAttributes {
  arn: string;
  key_name: string;
  /** rsa or ed25519. */
  key_type?: string;
  /** Of the public key (AWS never holds the private one of an imported key): no secret. */
  fingerprint: string;
}

/** The native id is the key pair's id (`key-…`), not its name, which can be re-used after a delete. */
export const ec2KeyPair: Provider<'ec2.key_pair'> = {
  type: 'ec2.key_pair',
  service: 'ec2',
  cfnType: 'AWS::EC2::KeyPair',
  tagWrites: EC2_TAG_WRITES,
  operations: ['DescribeKeyPairs'],
  serverSideTagFilter: true,
  async *pages(ctx, filter, ids) {
    // DescribeKeyPairs is not paginated: one answer holds every key pair of the region.
    const out = await ctx.clients.ec2.send(
      new DescribeKeyPairsCommand({ Filters: ec2Filters(filter, 'key-pair-id', ids) }),
    );
    yield (out.KeyPairs ?? []).map((k) => {
      const id = required(k.KeyPairId, 'KeyPair.KeyPairId');
      const name = required(k.KeyName, `${id} KeyName`);
      return {
        ...base(ctx, 'ec2.key_pair', id, tagsOf(k.Tags), name),
        status: 'active',
        created_at: iso(k.CreateTime),
        attributes: compact({
          arn: arnOf(ctx, 'ec2', `key-pair/${name}`),
          key_name: name,
          key_type: k.KeyType,
          fingerprint: required(k.KeyFingerprint, `${id} KeyFingerprint`),
        }) satisfies Ec2KeyPairAttributes,
      };
    });
  },
};
