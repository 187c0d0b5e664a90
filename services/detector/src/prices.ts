/**
 * A small on-demand price table (USD, us-east-1, Linux) for estimating what a change costs per
 * month. Approximate list prices; a type not listed yields no estimate, never a guess.
 */
const HOURS_PER_MONTH = 730;

const EC2_HOURLY: Record<string, number> = {
  't3.nano': 0.0052,
  't3.micro': 0.0104,
  't3.small': 0.0208,
  't3.medium': 0.0416,
  't3.large': 0.0832,
  't3.xlarge': 0.1664,
  't3.2xlarge': 0.3328,
  'm5.large': 0.096,
  'm5.xlarge': 0.192,
  'm5.2xlarge': 0.384,
  'm5.4xlarge': 0.768,
  'm6i.large': 0.096,
  'm6i.xlarge': 0.192,
  'm6i.2xlarge': 0.384,
  'm6i.4xlarge': 0.768,
  'c5.large': 0.085,
  'c5.xlarge': 0.17,
  'c5.2xlarge': 0.34,
  'r5.large': 0.126,
  'r5.xlarge': 0.252,
  'r5.2xlarge': 0.504,
};

const RDS_HOURLY: Record<string, number> = {
  'db.t3.micro': 0.017,
  'db.t3.small': 0.034,
  'db.t3.medium': 0.068,
  'db.t3.large': 0.136,
  'db.m5.large': 0.171,
  'db.m5.xlarge': 0.342,
  'db.m5.2xlarge': 0.684,
  'db.r5.large': 0.24,
  'db.r5.xlarge': 0.48,
};

const EBS_GB_MONTH: Record<string, number> = {
  gp2: 0.1,
  gp3: 0.08,
  io1: 0.125,
  io2: 0.125,
  st1: 0.045,
  sc1: 0.015,
  standard: 0.05,
};
const RDS_GB_MONTH = 0.115;

export function ec2Monthly(type: string | undefined): number | undefined {
  const h = type ? EC2_HOURLY[type] : undefined;
  return h === undefined ? undefined : h * HOURS_PER_MONTH;
}

export function rdsMonthly(cls: string | undefined): number | undefined {
  const h = cls ? RDS_HOURLY[cls] : undefined;
  return h === undefined ? undefined : h * HOURS_PER_MONTH;
}

export function ebsMonthly(volumeType: string | undefined, gib: number | undefined): number | undefined {
  const p = volumeType ? EBS_GB_MONTH[volumeType] : undefined;
  return p === undefined || gib === undefined ? undefined : p * gib;
}

export function rdsStorageMonthly(gib: number | undefined): number | undefined {
  return gib === undefined ? undefined : gib * RDS_GB_MONTH;
}
