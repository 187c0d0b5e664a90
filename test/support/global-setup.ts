import type { TestProject } from 'vitest/node';

/**
 * Gives integration tests a real Redis, NATS with JetStream and moto:
 * - under `npm test` the set-up has started them already (ELAVA_INFRA=ready): probe and go;
 * - else, when a Docker engine answers, testcontainers starts them;
 * - else the same local set-up `npm test` uses starts them, and stops them afterwards.
 */
export default async function setup(project: TestProject): Promise<() => Promise<void>> {
  // @ts-expect-error plain ESM script without types, shared with `npm start`/`npm test`
  const infra = await import('../../scripts/lib/infra.mjs');
  let urls: { redis: string; nats: string; moto: string };
  let teardown = async () => {};

  if (process.env.ELAVA_INFRA === 'ready') {
    urls = infra.urls();
  } else if (await dockerAnswers()) {
    ({ urls, teardown } = await withContainers());
  } else {
    const { urls: u, started } = await infra.up({ quiet: true });
    urls = u;
    teardown = () => infra.down(started, { quiet: true });
  }

  const problems: string[] = [];
  for (const name of ['redis', 'nats', 'moto'] as const) {
    const status = await infra.probes[name](urls[name]);
    if (status !== 'up') problems.push(`${name} at ${urls[name]}: ${status}`);
  }
  if (problems.length > 0) {
    await teardown();
    throw new Error(
      `integration tests need Redis, NATS (JetStream) and moto:\n  ${problems.join('\n  ')}\nRun them with \`npm test\`, which installs and starts all three.`,
    );
  }
  project.provide('infra', urls);
  return teardown;
}

async function dockerAnswers(): Promise<boolean> {
  try {
    const { getContainerRuntimeClient } = await import('testcontainers');
    await getContainerRuntimeClient();
    return true;
  } catch {
    return false;
  }
}

async function withContainers() {
  const { GenericContainer, Wait } = await import('testcontainers');
  const [redis, nats, moto] = await Promise.all([
    new GenericContainer('redis:7-alpine').withExposedPorts(6379).start(),
    new GenericContainer('nats:2.10-alpine')
      .withCommand(['-js'])
      .withExposedPorts(4222)
      .withWaitStrategy(Wait.forLogMessage(/Server is ready/))
      .start(),
    new GenericContainer('motoserver/moto:5.2.5')
      .withExposedPorts(5000)
      .withWaitStrategy(Wait.forHttp('/moto-api/', 5000))
      .start(),
  ]);
  return {
    urls: {
      redis: `redis://${redis.getHost()}:${redis.getMappedPort(6379)}`,
      nats: `nats://${nats.getHost()}:${nats.getMappedPort(4222)}`,
      moto: `http://${moto.getHost()}:${moto.getMappedPort(5000)}`,
    },
    teardown: async () => {
      await Promise.all([redis.stop(), nats.stop(), moto.stop()]);
    },
  };
}

declare module 'vitest' {
  export interface ProvidedContext {
    infra: { redis: string; nats: string; moto: string };
  }
}
