import { type ApiCall, type CallStats, ClientSet, listKeysOf, PROVIDERS, type ScanContext } from '@elava/aws';
import { diff } from '@elava/store';
import type { Resource, ResourceType } from '@elava/types';
import { infra } from './infra.js';

/** moto's default account. */
export const ACCOUNT = '123456789012';
const credentials = async () => ({ accessKeyId: 'testing', secretAccessKey: 'testing' });

/** Readers' clients on moto; with `writes`, the executor's clients (those writes besides reads). */
export function clientsFor(region: string, writes?: ReadonlySet<string>): ClientSet {
  return new ClientSet({ region, endpoint: infra().moto, credentials, writes });
}

export function readerContext(region: string, opts: { pageSize?: number; writes?: ReadonlySet<string> } = {}) {
  return {
    account: ACCOUNT,
    region,
    clients: clientsFor(region, opts.writes),
    pageSize: opts.pageSize,
  } satisfies ScanContext;
}

/** Every page one reader gives for a scope of moto's default account, and the calls it made. */
export async function scanType<T extends ResourceType>(
  type: T,
  region: string,
  opts: { pageSize?: number; ids?: string[] } = {},
): Promise<{ pages: Resource<T>[][]; all: Resource<T>[]; stats: CallStats; operations: string[] }> {
  const ctx = readerContext(region, opts);
  const pages: Resource<T>[][] = [];
  try {
    for await (const page of PROVIDERS[type].pages(ctx, undefined, opts.ids)) pages.push(page as Resource<T>[]);
  } finally {
    ctx.clients.destroy();
  }
  const stats = ctx.clients.stats;
  return { pages, all: pages.flat(), stats, operations: [...stats.operations.keys()] };
}

export function findNative<T extends ResourceType>(rs: Resource<T>[], native: string): Resource<T> {
  const r = rs.find((x) => x.native_id === native);
  if (!r) throw new Error(`${native} not found among ${rs.map((x) => x.native_id).join(', ')}`);
  return r;
}

/** The paths that differ between two reads, as the store's diff names them (the type's list keys). */
export const changedPaths = (type: ResourceType, before: unknown, after: unknown): string[] =>
  diff(before, after, listKeysOf(type))
    .map((d) => d.path)
    .sort();

/**
 * Sends what the type's module plans for a tag write, through clients that may send only the
 * executor's writes, as the executor sends it. The calls made.
 */
export async function sendTagWrites(
  r: Resource,
  set: Record<string, string>,
  remove: Record<string, string>,
  writes: ReadonlySet<string>,
): Promise<ApiCall[]> {
  const tw = PROVIDERS[r.type].tagWrites;
  if (!tw.writable) throw new Error(`${r.type} tags cannot be written: ${tw.why}`);
  const calls = tw.calls({ nativeId: r.native_id, arn: r.attributes.arn as string, tags: r.tags }, set, remove);
  const clients = clientsFor(r.region, writes);
  try {
    for (const call of calls) {
      const Command = tw.commands[call.operation];
      if (!Command) throw new Error(`no command for ${call.operation}`);
      // Each service's client takes its own commands: the union of them has no common `send`.
      const client = clients.client(call.service) as unknown as { send(command: unknown): Promise<unknown> };
      await client.send(new Command(call.input));
    }
  } finally {
    clients.destroy();
  }
  return calls;
}
