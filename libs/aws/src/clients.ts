import { APIGatewayClient } from '@aws-sdk/client-api-gateway';
import { AutoScalingClient } from '@aws-sdk/client-auto-scaling';
import { CloudFrontClient } from '@aws-sdk/client-cloudfront';
import { CloudTrailClient } from '@aws-sdk/client-cloudtrail';
import { CloudWatchLogsClient } from '@aws-sdk/client-cloudwatch-logs';
import { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import { EC2Client } from '@aws-sdk/client-ec2';
import { ECRClient } from '@aws-sdk/client-ecr';
import { ECSClient } from '@aws-sdk/client-ecs';
import { EFSClient } from '@aws-sdk/client-efs';
import { EKSClient } from '@aws-sdk/client-eks';
import { ElasticLoadBalancingV2Client } from '@aws-sdk/client-elastic-load-balancing-v2';
import { ElastiCacheClient } from '@aws-sdk/client-elasticache';
import { IAMClient } from '@aws-sdk/client-iam';
import { KMSClient } from '@aws-sdk/client-kms';
import { LambdaClient } from '@aws-sdk/client-lambda';
import { RDSClient } from '@aws-sdk/client-rds';
import { Route53Client } from '@aws-sdk/client-route-53';
import { S3Client } from '@aws-sdk/client-s3';
import { SecretsManagerClient } from '@aws-sdk/client-secrets-manager';
import { SNSClient } from '@aws-sdk/client-sns';
import { SQSClient } from '@aws-sdk/client-sqs';
import { GLOBAL_REGION } from '@elava/types';
import type {
  AwsCredentialIdentityProvider,
  DeserializeMiddleware,
  InitializeMiddleware,
  MiddlewareStack,
} from '@smithy/types';
import { operationOf, READ_ONLY, WriteRefusedError } from './read-only.js';

/** Every client a reader may use, by its IAM service prefix (which is how policies name it). */
const CLIENTS = {
  apigateway: APIGatewayClient,
  autoscaling: AutoScalingClient,
  cloudfront: CloudFrontClient,
  cloudtrail: CloudTrailClient,
  dynamodb: DynamoDBClient,
  ec2: EC2Client,
  ecr: ECRClient,
  ecs: ECSClient,
  eks: EKSClient,
  elasticache: ElastiCacheClient,
  elasticfilesystem: EFSClient,
  elasticloadbalancing: ElasticLoadBalancingV2Client,
  iam: IAMClient,
  kms: KMSClient,
  lambda: LambdaClient,
  logs: CloudWatchLogsClient,
  rds: RDSClient,
  route53: Route53Client,
  s3: S3Client,
  secretsmanager: SecretsManagerClient,
  sns: SNSClient,
  sqs: SQSClient,
} as const;

export type ServiceName = keyof typeof CLIENTS;
type ClientOf<S extends ServiceName> = InstanceType<(typeof CLIENTS)[S]>;

export const SERVICE_NAMES = Object.keys(CLIENTS).sort() as ServiceName[];

/** Where a `global` scope's calls go: the partition's home region. */
const GLOBAL_HOME = 'us-east-1';

export interface ClientOptions {
  region: string;
  /** An emulator such as moto; absent for real AWS. */
  endpoint?: string;
  credentials?: AwsCredentialIdentityProvider;
  /** Attempts per call, with the SDK's adaptive retry (client-side rate limiting on throttles). */
  maxAttempts?: number;
  /** Awaited before every attempt (retries too): a rate budget shared with other workers. */
  beforeCall?: (service: ServiceName) => Promise<void>;
  /**
   * The write operations these clients may send besides reads (the executor's, by name). Empty for
   * every reader: read-only holds by construction.
   */
  writes?: ReadonlySet<string>;
}

/** What one scan did against the API, for the summary and the metrics. */
export interface CallStats {
  calls: number;
  throttles: number;
  operations: Map<string, number>;
}

export const newStats = (): CallStats => ({ calls: 0, throttles: 0, operations: new Map() });

const THROTTLING = /Throttl|RequestLimitExceeded|TooManyRequests|SlowDown|RequestThrottled/;

interface AnyClient {
  middlewareStack: unknown;
  destroy(): void;
}

/**
 * Every client goes through two middlewares: one refuses any operation that is not a read (so
 * read-only holds by construction, not by care), one counts each attempt and each throttle.
 */
function instrument<C extends AnyClient>(
  client: C,
  service: ServiceName,
  stats: CallStats,
  beforeCall?: ClientOptions['beforeCall'],
  writes: ReadonlySet<string> = new Set(),
): C {
  // biome-ignore lint/suspicious/noExplicitAny: the clients' stacks differ only in their command types
  const stack = client.middlewareStack as unknown as MiddlewareStack<any, any>;
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const readOnly: InitializeMiddleware<any, any> = (next, context) => async (args) => {
    const op = operationOf(context.commandName);
    if (!READ_ONLY.test(op) && !writes.has(op)) throw new WriteRefusedError(op);
    return next(args);
  };
  // biome-ignore lint/suspicious/noExplicitAny: as above
  const count: DeserializeMiddleware<any, any> = (next, context) => async (args) => {
    const op = operationOf(context.commandName);
    if (beforeCall) await beforeCall(service);
    stats.calls++;
    stats.operations.set(op, (stats.operations.get(op) ?? 0) + 1);
    try {
      return await next(args);
    } catch (err) {
      const e = err as { name?: string; Code?: string };
      if (THROTTLING.test(e.name ?? '') || THROTTLING.test(e.Code ?? '')) stats.throttles++;
      throw err;
    }
  };
  stack.add(readOnly, { step: 'initialize', name: 'elavaReadOnly', priority: 'high' });
  stack.add(count, { step: 'deserialize', name: 'elavaCallStats' });
  return client;
}

/** The clients one scope needs, each made on first use and counted into `stats`. */
export class ClientSet {
  private readonly made = new Map<ServiceName, AnyClient>();
  readonly stats: CallStats = newStats();

  constructor(private readonly opts: ClientOptions) {}

  /** The region calls go to: a `global` scope's go to the partition's home region. */
  get region(): string {
    return this.opts.region === GLOBAL_REGION ? GLOBAL_HOME : this.opts.region;
  }

  client<S extends ServiceName>(service: S): ClientOf<S> {
    let c = this.made.get(service);
    if (!c) {
      const Ctor = CLIENTS[service] as unknown as new (config: object) => AnyClient;
      c = instrument(
        new Ctor({
          region: this.region,
          endpoint: this.opts.endpoint,
          credentials: this.opts.credentials,
          maxAttempts: this.opts.maxAttempts ?? 8,
          retryMode: 'adaptive',
          // Path-style for emulators: moto serves buckets under its one host.
          ...(service === 's3' ? { forcePathStyle: Boolean(this.opts.endpoint) } : {}),
        }),
        service,
        this.stats,
        this.opts.beforeCall,
        this.opts.writes,
      );
      this.made.set(service, c);
    }
    return c as ClientOf<S>;
  }

  get ec2(): EC2Client {
    return this.client('ec2');
  }

  get rds(): RDSClient {
    return this.client('rds');
  }

  get s3(): S3Client {
    return this.client('s3');
  }

  destroy(): void {
    for (const c of this.made.values()) c.destroy();
    this.made.clear();
  }
}
