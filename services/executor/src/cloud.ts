import { type AccountDirectory, ClientSet, providerFor, readOne, type ScanContext, WRITES } from '@elava/aws';
import { type Decision, parseResourceId, type Tags } from '@elava/types';
import { type ApiCall, type Current, WRITE_OPERATIONS } from './plan.js';

/** The cloud as the executor sees it: the resource as it is now, and the calls that change it. */
export interface Cloud {
  read(d: Decision): Promise<Current>;
  /** Sends one call; the AWS request id of the answer. */
  send(d: Decision, call: ApiCall): Promise<{ requestId?: string }>;
}

/** An AWS error, with the request id AWS gave it (it goes into the `failed` entry). */
export class CallFailedError extends Error {
  constructor(
    readonly call: ApiCall,
    readonly requestId: string | undefined,
    cause: Error,
  ) {
    super(`${call.service}:${call.operation} failed: ${cause.name}: ${cause.message}`);
    this.name = 'CallFailedError';
  }
}

/** AWS through clients that may send only the executor's writes (WRITE_OPERATIONS) besides reads. */
export class AwsCloud implements Cloud {
  private readonly clients = new Map<string, Promise<ClientSet>>();

  constructor(
    private readonly accounts: AccountDirectory,
    private readonly endpoint?: string,
  ) {}

  private async clientsFor(d: Decision): Promise<ClientSet> {
    const key = `${d.resource.account}/${d.resource.region}`;
    let found = this.clients.get(key);
    if (!found) {
      found = this.accounts.access(d.resource.account).then(
        (access) =>
          new ClientSet({
            region: d.resource.region,
            endpoint: this.endpoint,
            credentials: access.credentials,
            writes: WRITE_OPERATIONS,
          }),
      );
      found.catch(() => this.clients.delete(key));
      this.clients.set(key, found);
    }
    return found;
  }

  /** The resource read now by its own type's reader: the same fields a scan records, never a copy. */
  async read(d: Decision): Promise<Current> {
    const clients = await this.clientsFor(d);
    const ctx: ScanContext = { account: d.resource.account, region: d.resource.region, clients };
    const provider = providerFor(d.resource.type);
    const now = await readOne(provider, ctx, parseResourceId(d.resource.id).nativeId);
    if (!now) return { exists: false, tags: {} };
    const attributes = now.attributes as { vpc_id?: string };
    return {
      exists: true,
      tags: now.tags,
      attributes: now.attributes as Readonly<Record<string, unknown>>,
      ...(provider.protection ? { protected: await provider.protection.isOn(ctx, now) } : {}),
      ...(attributes.vpc_id ? { vpcTags: await this.vpcTags(ctx, attributes.vpc_id) } : {}),
    };
  }

  private async vpcTags(ctx: ScanContext, vpcId: string): Promise<Tags> {
    return (await readOne(providerFor('ec2.vpc'), ctx, vpcId))?.tags ?? {};
  }

  async send(d: Decision, call: ApiCall): Promise<{ requestId?: string }> {
    const Command = WRITES.get(`${call.service}:${call.operation}`)?.command as
      | (new (
          input: unknown,
        ) => unknown)
      | undefined;
    if (!Command || !WRITE_OPERATIONS.has(call.operation))
      throw new Error(`unknown write ${call.service}:${call.operation}`);
    const client = (await this.clientsFor(d)).client(call.service);
    try {
      // biome-ignore lint/suspicious/noExplicitAny: the command matches its client by construction (plan.ts)
      const out = await (client as any).send(new Command(call.input));
      return { requestId: out.$metadata?.requestId };
    } catch (err) {
      throw new CallFailedError(
        call,
        (err as { $metadata?: { requestId?: string } }).$metadata?.requestId,
        err as Error,
      );
    }
  }

  destroy(): void {
    for (const c of this.clients.values()) void c.then((x) => x.destroy()).catch(() => {});
  }
}
