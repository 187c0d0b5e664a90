import { type DestinationStream, type Logger, type LoggerOptions, pino } from 'pino';

export type { Logger } from 'pino';

/** Keys whose values never reach a log line, at any depth we log config or errors at. */
const SECRET_KEYS = [
  'webhook',
  'webhook_url',
  'password',
  'secret',
  'token',
  'auth_token',
  'authorization',
  'secretAccessKey',
  'sessionToken',
  'accessKeyId',
  'external_id',
];

const REDACT_PATHS = SECRET_KEYS.flatMap((k) => [
  k,
  `*.${k}`,
  `*.*.${k}`,
  `*.*.*.${k}`,
  `*.*.*.*.${k}`,
  `*.*.*.*.*.${k}`,
]);

/** Credentials inside URLs (redis://:pass@host, https://hooks.slack.com/services/…) are masked too. */
export function redactUrl(url: string): string {
  try {
    const u = new URL(url);
    if (u.password) u.password = '***';
    if (u.username && u.password) u.username = '***';
    if (/hooks\.slack\.com$/.test(u.hostname) || /webhook/i.test(u.pathname)) u.pathname = '/***';
    return u.toString();
  } catch {
    return url;
  }
}

export interface LogOptions {
  service: string;
  level?: string;
  /** For tests: where lines go. Default stdout. */
  destination?: DestinationStream;
}

export function createLogger(opts: LogOptions): Logger {
  const options: LoggerOptions = {
    name: opts.service,
    level: opts.level ?? process.env.ELAVA_LOG_LEVEL ?? process.env.LOG_LEVEL ?? 'info',
    base: { service: opts.service, pid: process.pid },
    redact: { paths: REDACT_PATHS, censor: '[redacted]' },
    timestamp: pino.stdTimeFunctions.isoTime,
    formatters: { level: (label) => ({ level: label }) },
  };
  return opts.destination ? pino(options, opts.destination) : pino(options);
}
