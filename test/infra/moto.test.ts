import { DescribeVpcsCommand, EC2Client, paginateDescribeSubnets } from '@aws-sdk/client-ec2';
import { describe, expect, it } from 'vitest';
import { awsClientConfig } from '../support/infra.js';

describe('the AWS SDK against moto', () => {
  it('describes the default VPC and pages through its subnets', async () => {
    const ec2 = new EC2Client(awsClientConfig('eu-west-1'));
    const { Vpcs } = await ec2.send(new DescribeVpcsCommand({ Filters: [{ Name: 'is-default', Values: ['true'] }] }));
    expect(Vpcs).toHaveLength(1);
    const vpc = Vpcs?.[0];
    expect(vpc?.VpcId).toMatch(/^vpc-/);
    expect(vpc?.CidrBlock).toBe('172.31.0.0/16');

    const subnets = [];
    for await (const page of paginateDescribeSubnets(
      { client: ec2, pageSize: 5 },
      { Filters: [{ Name: 'vpc-id', Values: [vpc?.VpcId as string] }] },
    )) {
      subnets.push(...(page.Subnets ?? []));
    }
    expect(subnets.length).toBeGreaterThanOrEqual(3); // one default subnet per availability zone
    expect(new Set(subnets.map((s) => s.AvailabilityZone)).size).toBe(subnets.length);
    ec2.destroy();
  });
});
