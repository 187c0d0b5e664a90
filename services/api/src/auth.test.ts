import type { IncomingMessage } from 'node:http';
import { describe, expect, it } from 'vitest';
import { authorized, isLoopback, requiredToken, UnprotectedBindError } from './auth.js';

const req = (authorization?: string) => ({ headers: authorization ? { authorization } : {} }) as IncomingMessage;

describe('api auth', () => {
  it('needs no token on loopback, and refuses any other address without one', () => {
    for (const h of ['127.0.0.1', '127.1.2.3', 'localhost', '::1', '[::1]', '::ffff:127.0.0.1']) {
      expect(isLoopback(h), h).toBe(true);
      expect(requiredToken(h, '')).toBeNull();
    }
    for (const h of ['0.0.0.0', '::', '10.0.0.5', 'elava.internal', '128.0.0.1']) {
      expect(isLoopback(h), h).toBe(false);
      expect(() => requiredToken(h, '')).toThrow(UnprotectedBindError);
    }
    // A token given is required everywhere, loopback too.
    expect(requiredToken('127.0.0.1', 'x'.repeat(16))).toBe('x'.repeat(16));
    expect(() => requiredToken('0.0.0.0', '')).toThrow(/set api\.auth_token/);
  });

  it('takes the token only as a bearer header, whole', () => {
    const token = 'a-token-of-twenty-chars';
    expect(authorized(req(`Bearer ${token}`), token)).toBe(true);
    expect(authorized(req(), token)).toBe(false);
    expect(authorized(req(`Bearer ${token}x`), token)).toBe(false);
    expect(authorized(req(`Bearer ${token.slice(0, -1)}`), token)).toBe(false);
    expect(authorized(req(`Basic ${token}`), token)).toBe(false);
    expect(authorized(req(token), token)).toBe(false);
  });
});
