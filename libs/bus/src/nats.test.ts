import { describe, expect, it } from 'vitest';
import { natsConnectOptions } from './nats.js';

describe('natsConnectOptions', () => {
  it('takes credentials out of the URL, where the client would ignore them', () => {
    expect(natsConnectOptions('nats://elava-a:s%40cret@10.0.0.6:4222')).toEqual({
      servers: ['nats://10.0.0.6:4222'],
      user: 'elava-a',
      pass: 's@cret',
    });
    expect(natsConnectOptions('nats://t0ken@nats:4222')).toEqual({ servers: ['nats://nats:4222'], token: 't0ken' });
  });

  it('keeps plain servers as they are, several comma-separated', () => {
    expect(natsConnectOptions('nats://a:4222,nats://b:4222')).toEqual({ servers: ['nats://a:4222', 'nats://b:4222'] });
    expect(natsConnectOptions('127.0.0.1:4222')).toEqual({ servers: ['nats://127.0.0.1:4222'] });
  });
});
