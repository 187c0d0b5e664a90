import { connectNats, type NatsConnection } from '@elava/bus';
import { type ElavaConfig, loadConfig } from '@elava/config';
import { QueryClient, QueryError, type QueryName } from '@elava/query';
import type { Command } from 'commander';
import { CliError, EXIT, type Io } from './io.js';

/** A connection to a running cluster: its configuration, NATS, and the recorder's read side. */
export interface Cluster {
  config: ElavaConfig;
  nc: NatsConnection;
  /** A query's JSON; a refusal or an absent recorder becomes a CliError with its message. */
  get<T>(name: QueryName, params?: Record<string, string | string[] | undefined>): Promise<T>;
  close(): Promise<void>;
}

export async function connectCluster(program: Command, io: Io): Promise<Cluster> {
  const { config } = loadConfig({ path: program.opts().config, env: io.env, cwd: io.cwd });
  let nc: NatsConnection;
  try {
    nc = await connectNats(config.nats.url, 'elava-cli');
  } catch (err) {
    throw new CliError(
      `cannot reach NATS at ${config.nats.url} (${(err as Error).message}); is Elava running? (npm start)`,
    );
  }
  const client = new QueryClient(nc, config.api.timeout);
  return {
    config,
    nc,
    async get<T>(name: QueryName, params: Record<string, string | string[] | undefined> = {}) {
      const clean = Object.fromEntries(Object.entries(params).filter(([, v]) => v !== undefined));
      try {
        return await client.get<T>(name, clean);
      } catch (err) {
        if (err instanceof QueryError) throw new CliError(err.message, EXIT.usage);
        throw err;
      }
    },
    close: () => nc.close(),
  };
}

/** Runs `fn` against the cluster and always disconnects. */
export async function withCluster<T>(program: Command, io: Io, fn: (c: Cluster) => Promise<T>): Promise<T> {
  const c = await connectCluster(program, io);
  try {
    return await fn(c);
  } finally {
    await c.close();
  }
}

/** Every page of a listing, with progress on stderr at a terminal when it takes more than one. */
export async function allPages<T>(
  c: Cluster,
  io: Io,
  name: QueryName,
  params: Record<string, string | string[] | undefined>,
  max: number,
): Promise<{ items: T[]; first: Record<string, unknown>; truncated: boolean }> {
  const items: T[] = [];
  let first: Record<string, unknown> | undefined;
  let cursor: string | undefined;
  do {
    const page = await c.get<{ items: T[]; next_cursor: string | null } & Record<string, unknown>>(name, {
      ...params,
      limit: String(Math.min(1000, max - items.length)),
      ...(cursor ? { cursor } : {}),
    });
    first ??= page;
    items.push(...page.items);
    cursor = page.next_cursor ?? undefined;
    if (cursor && io.tty) io.err(`\r… ${items.length} so far`);
  } while (cursor && items.length < max);
  return { items, first: first ?? {}, truncated: Boolean(cursor) };
}
