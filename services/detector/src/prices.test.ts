import { describe, expect, it } from 'vitest';
import { ebsMonthly, ec2Monthly, PRICES, rdsMonthly, rdsStorageMonthly } from './prices.js';

describe('prices', () => {
  it('names the published dataset every number comes from', () => {
    expect(PRICES.source.package).toBe('Go module github.com/cristim/ec2-instances-info');
    expect(PRICES.source.version).toMatch(/^v\d+\.\d+\.\d+/);
    expect(PRICES.source.sum).toMatch(/^h1:/);
    expect(Date.parse(PRICES.source.published ?? '')).not.toBeNaN();
    expect(PRICES.source.generated_by).toBe('scripts/prices/extract.mjs');
  });

  it('prices an EC2 type per region', () => {
    const east = ec2Monthly('m5.large', 'us-east-1');
    const ireland = ec2Monthly('m5.large', 'eu-west-1');
    expect(east).toBeCloseTo(PRICES.ec2['us-east-1']!['m5.large']! * 730, 6);
    expect(ireland).toBeCloseTo(PRICES.ec2['eu-west-1']!['m5.large']! * 730, 6);
    expect(ireland).not.toBe(east);
    expect(Object.keys(PRICES.ec2).length).toBeGreaterThan(20);
  });

  it('prices an RDS class per region and engine', () => {
    const pg = rdsMonthly('db.m5.large', 'us-east-1', 'postgres');
    const my = rdsMonthly('db.m5.large', 'us-east-1', 'mysql');
    expect(pg).toBeCloseTo(PRICES.rds['us-east-1']!.postgres!['db.m5.large']! * 730, 6);
    expect(my).toBeCloseTo(PRICES.rds['us-east-1']!.mysql!['db.m5.large']! * 730, 6);
    expect(rdsMonthly('db.m5.large', 'eu-west-1', 'postgres')).not.toBe(pg);
  });

  it('gives undefined for whatever the table lacks, never a guess', () => {
    expect(ec2Monthly('x9.unlisted', 'us-east-1')).toBeUndefined();
    expect(ec2Monthly('m5.large', 'moon-east-1')).toBeUndefined();
    expect(ec2Monthly(undefined, 'us-east-1')).toBeUndefined();
    expect(ec2Monthly('m5.large', undefined)).toBeUndefined();
    expect(ec2Monthly('toString', 'us-east-1')).toBeUndefined();
    expect(rdsMonthly('db.x9.unlisted', 'us-east-1', 'postgres')).toBeUndefined();
    expect(rdsMonthly('db.m5.large', 'us-east-1', 'oracle-ee')).toBeUndefined();
    expect(rdsMonthly('db.m5.large', 'us-east-1', undefined)).toBeUndefined();
    // No published EBS or RDS storage prices are bundled: no estimate at all.
    expect(ebsMonthly('gp3', 100, 'us-east-1')).toBeUndefined();
    expect(rdsStorageMonthly(100, 'us-east-1', 'postgres')).toBeUndefined();
  });
});
