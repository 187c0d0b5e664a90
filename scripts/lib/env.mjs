import { OPA_BIN, TOOLS_BIN, withSbin } from './paths.mjs';

/**
 * The environment every Elava process and test gets: where the infrastructure is, and dummy
 * credentials when the AWS endpoint is a local emulator (the SDK refuses to sign without any).
 */
export function elavaEnv(where, base = process.env) {
  const env = {
    ...base,
    PATH: withSbin(`${TOOLS_BIN}:${base.PATH ?? ''}`),
    REDIS_URL: where.redis,
    NATS_URL: where.nats,
    ELAVA_OPA: OPA_BIN,
  };
  if (where.moto) {
    env.AWS_ENDPOINT_URL = where.moto;
    env.AWS_ACCESS_KEY_ID = base.AWS_ACCESS_KEY_ID ?? 'testing';
    env.AWS_SECRET_ACCESS_KEY = base.AWS_SECRET_ACCESS_KEY ?? 'testing';
    env.AWS_REGION = base.AWS_REGION ?? 'us-east-1';
  }
  return env;
}
