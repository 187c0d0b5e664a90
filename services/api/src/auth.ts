import { timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';
import { isIP } from 'node:net';

/** Refused at start: the API would answer anyone who can reach the address, without a token. */
export class UnprotectedBindError extends Error {
  constructor(host: string) {
    super(
      `api.host is ${host}, which other machines can reach: set api.auth_token (at least 16 characters; \${VAR} expands from the environment), or bind 127.0.0.1`,
    );
    this.name = 'UnprotectedBindError';
  }
}

/** Loopback only: 127.0.0.0/8, ::1, localhost. Anything else (0.0.0.0, ::, a LAN address) is reachable. */
export function isLoopback(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  if (isIP(h) === 4) return h.startsWith('127.');
  return h.startsWith('::ffff:127.');
}

/** The token to require, or null when none is needed; throws when one is needed and absent. */
export function requiredToken(host: string, token: string): string | null {
  if (token) return token;
  if (!isLoopback(host)) throw new UnprotectedBindError(host);
  return null;
}

/**
 * Whether the request carries the token as `Authorization: Bearer <token>`. Compared in constant
 * time; never taken from the query string, which proxies and access logs keep.
 */
export function authorized(req: IncomingMessage, token: string): boolean {
  const header = req.headers.authorization;
  if (typeof header !== 'string' || !header.startsWith('Bearer ')) return false;
  const given = Buffer.from(header.slice(7).trim());
  const want = Buffer.from(token);
  return given.length === want.length && timingSafeEqual(given, want);
}
