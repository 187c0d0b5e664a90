import { EC2Client } from '@aws-sdk/client-ec2';
import { RDSClient } from '@aws-sdk/client-rds';
import { S3Client } from '@aws-sdk/client-s3';
import type {
  AwsCredentialIdentityProvider,
  DeserializeMiddleware,
  InitializeMiddleware,
  MiddlewareStack,
} from '@smithy/types';
import { operationOf, READ_ONLY, WriteRefusedError } from './read-only.js';

export interface ClientOptions {
  region: string;
  /** An emulator such as moto; absent for real AWS. */
  endpoint?: string;
  credentials?: AwsCredentialIdentityProvider;
  /** Attempts per call, with the SDK's adaptive retry (client-side rate limiting on throttles). */
  maxAttempts?: number;
  /** Awaited before every attempt (retries too): a rate budget shared with other workers. */
  beforeCall?: (service: 'ec2' | 'rds' | 's3') => Promise<void>;
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

type Client = EC2Client | RDSClient | S3Client;

/**
 * Every client goes through two middlewares: one refuses any operation that is not a read (so
 * read-only holds by construction, not by care), one counts each attempt and each throttle.
 */
function instrument<C extends Client>(
  client: C,
  service: 'ec2' | 'rds' | 's3',
  stats: CallStats,
  beforeCall?: ClientOptions['beforeCall'],
  writes: ReadonlySet<string> = new Set(),
): C {
  // biome-ignore lint/suspicious/noExplicitAny: the three clients' stacks differ only in their command types
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

/** The clients one scope needs, made on first use and counted into `stats`. */
export class ClientSet {
  private ec2Client?: EC2Client;
  private rdsClient?: RDSClient;
  private s3Client?: S3Client;
  readonly stats: CallStats = newStats();

  constructor(private readonly opts: ClientOptions) {}

  private config(region = this.opts.region) {
    return {
      region,
      endpoint: this.opts.endpoint,
      credentials: this.opts.credentials,
      maxAttempts: this.opts.maxAttempts ?? 8,
      retryMode: 'adaptive' as const,
    };
  }

  get ec2(): EC2Client {
    this.ec2Client ??= instrument(
      new EC2Client(this.config()),
      'ec2',
      this.stats,
      this.opts.beforeCall,
      this.opts.writes,
    );
    return this.ec2Client;
  }

  get rds(): RDSClient {
    this.rdsClient ??= instrument(
      new RDSClient(this.config()),
      'rds',
      this.stats,
      this.opts.beforeCall,
      this.opts.writes,
    );
    return this.rdsClient;
  }

  /** Path-style for emulators: moto serves buckets under its one host. */
  get s3(): S3Client {
    this.s3Client ??= instrument(
      new S3Client({ ...this.config(), forcePathStyle: Boolean(this.opts.endpoint) }),
      's3',
      this.stats,
      this.opts.beforeCall,
      this.opts.writes,
    );
    return this.s3Client;
  }

  destroy(): void {
    this.ec2Client?.destroy();
    this.rdsClient?.destroy();
    this.s3Client?.destroy();
  }
}
