/** Every resource type Elava knows, as `<service>.<kind>`; the contract names them. */
export const RESOURCE_TYPES = [
  'ec2.instance',
  'ec2.vpc',
  'ec2.subnet',
  'ec2.route_table',
  'ec2.internet_gateway',
  'ec2.nat_gateway',
  'ec2.security_group',
  'ec2.volume',
  'ec2.snapshot',
  'ec2.eip',
  'ec2.network_interface',
  'rds.instance',
  'rds.cluster',
  'rds.snapshot',
  's3.bucket',
] as const;

export type ResourceType = (typeof RESOURCE_TYPES)[number];

export const PROVIDERS = ['aws'] as const;
export type Provider = (typeof PROVIDERS)[number];

const typeSet: ReadonlySet<string> = new Set(RESOURCE_TYPES);

export function isResourceType(value: string): value is ResourceType {
  return typeSet.has(value);
}
