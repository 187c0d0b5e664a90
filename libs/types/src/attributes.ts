/**
 * Typed per-type attributes: the fields that matter for drift, security and cost. Lists that
 * AWS returns in no stable order are kept sorted by a natural key by the scanner, so that order
 * alone never reads as a change.
 */

export interface SecurityGroupRule {
  direction: 'ingress' | 'egress';
  protocol: string; // "-1" for all
  from_port: number | null;
  to_port: number | null;
  /** One source per rule: an IPv4/IPv6 CIDR, a security group id or a prefix list id. */
  source: string;
  description?: string;
}

export interface Ec2InstanceAttributes {
  instance_type: string;
  state: string;
  vpc_id?: string;
  subnet_id?: string;
  availability_zone?: string;
  image_id?: string;
  private_ip?: string;
  public_ip?: string;
  security_group_ids: string[];
  iam_instance_profile?: string;
  ebs_optimized?: boolean;
  launch_time?: string;
  state_transition_reason?: string;
  termination_protection?: boolean;
}

export interface Ec2VpcAttributes {
  cidr_block: string;
  is_default: boolean;
  state: string;
  ipv6_cidr_blocks: string[];
}

export interface Ec2SubnetAttributes {
  vpc_id: string;
  cidr_block: string;
  availability_zone: string;
  map_public_ip_on_launch: boolean;
  default_for_az: boolean;
}

export interface Ec2RouteTableAttributes {
  vpc_id: string;
  main: boolean;
  subnet_ids: string[];
  routes: { destination: string; target: string; state?: string }[];
}

export interface Ec2InternetGatewayAttributes {
  attached_vpc_ids: string[];
}

export interface Ec2NatGatewayAttributes {
  vpc_id: string;
  subnet_id: string;
  state: string;
  connectivity_type: string;
  public_ips: string[];
}

export interface Ec2SecurityGroupAttributes {
  vpc_id?: string;
  group_name: string;
  description: string;
  rules: SecurityGroupRule[];
}

export interface Ec2VolumeAttributes {
  volume_type: string;
  size_gib: number;
  iops?: number;
  throughput?: number;
  encrypted: boolean;
  kms_key_id?: string;
  state: string;
  availability_zone: string;
  attached_instance_ids: string[];
  snapshot_id?: string;
}

export interface Ec2SnapshotAttributes {
  volume_id?: string;
  volume_size_gib: number;
  encrypted: boolean;
  state: string;
  description?: string;
  start_time?: string;
}

export interface Ec2EipAttributes {
  public_ip: string;
  allocation_id: string;
  domain: string;
  association_id?: string;
  instance_id?: string;
  network_interface_id?: string;
}

export interface Ec2NetworkInterfaceAttributes {
  vpc_id?: string;
  subnet_id?: string;
  interface_type?: string;
  status: string;
  private_ip?: string;
  public_ip?: string;
  attached_instance_id?: string;
  security_group_ids: string[];
}

export interface RdsInstanceAttributes {
  engine: string;
  engine_version?: string;
  instance_class: string;
  status: string;
  allocated_storage_gib: number;
  storage_type?: string;
  storage_encrypted: boolean;
  publicly_accessible: boolean;
  multi_az: boolean;
  deletion_protection: boolean;
  cluster_id?: string;
  vpc_id?: string;
  backup_retention_days?: number;
}

export interface RdsClusterAttributes {
  engine: string;
  engine_version?: string;
  status: string;
  storage_encrypted: boolean;
  deletion_protection: boolean;
  member_instance_ids: string[];
  backup_retention_days?: number;
}

export interface RdsSnapshotAttributes {
  source_id: string;
  snapshot_type: string;
  engine?: string;
  allocated_storage_gib?: number;
  encrypted: boolean;
  status: string;
  kind: 'instance' | 'cluster';
}

/** "not configured" answers from S3 are values here, never failures. */
export interface S3BucketAttributes {
  encryption: { enabled: boolean; algorithm?: string; kms_key_id?: string };
  public_access_block: {
    configured: boolean;
    block_public_acls: boolean;
    ignore_public_acls: boolean;
    block_public_policy: boolean;
    restrict_public_buckets: boolean;
  };
  versioning: 'Enabled' | 'Suspended' | 'Disabled';
  policy: { present: boolean; is_public: boolean };
  acl_public: boolean;
}

/** Every resource's attributes carry its ARN, the name AWS Config and CloudFormation join on. */
export interface CommonAttributes {
  arn?: string;
}

/**
 * Attributes of a type whose reader module declares its own interface (every type added since the
 * first fifteen): open here, exact in the reader.
 */
export interface OpenAttributes extends CommonAttributes {
  [field: string]: unknown;
}

export type AttributesOf<T extends string> = T extends keyof AttributesByType
  ? AttributesByType[T] & CommonAttributes
  : OpenAttributes;

export interface AttributesByType {
  'ec2.instance': Ec2InstanceAttributes;
  'ec2.vpc': Ec2VpcAttributes;
  'ec2.subnet': Ec2SubnetAttributes;
  'ec2.route_table': Ec2RouteTableAttributes;
  'ec2.internet_gateway': Ec2InternetGatewayAttributes;
  'ec2.nat_gateway': Ec2NatGatewayAttributes;
  'ec2.security_group': Ec2SecurityGroupAttributes;
  'ec2.volume': Ec2VolumeAttributes;
  'ec2.snapshot': Ec2SnapshotAttributes;
  'ec2.eip': Ec2EipAttributes;
  'ec2.network_interface': Ec2NetworkInterfaceAttributes;
  'rds.instance': RdsInstanceAttributes;
  'rds.cluster': RdsClusterAttributes;
  'rds.snapshot': RdsSnapshotAttributes;
  's3.bucket': S3BucketAttributes;
}
