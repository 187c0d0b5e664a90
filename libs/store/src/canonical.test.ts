import { describe, expect, it } from 'vitest';
import { canonicalJson, contentHash } from './canonical.js';

describe('canonical JSON', () => {
  it('sorts keys at every depth, keeps array order, drops undefined members', () => {
    expect(canonicalJson({ b: 1, a: { d: [3, { z: 1, y: undefined, x: 2 }], c: null }, e: undefined })).toBe(
      '{"a":{"c":null,"d":[3,{"x":2,"z":1}]},"b":1}',
    );
    expect(canonicalJson([undefined, 'x'])).toBe('[null,"x"]');
    expect(canonicalJson('s')).toBe('"s"');
    expect(canonicalJson(undefined)).toBe('null');
  });

  it('gives equal content equal bytes and equal hashes, whatever the key order', () => {
    const a = canonicalJson({ tags: { b: '2', a: '1' }, id: 'x' });
    const b = canonicalJson({ id: 'x', tags: { a: '1', b: '2' } });
    expect(a).toBe(b);
    expect(contentHash(a).equals(contentHash(b))).toBe(true);
    expect(contentHash(a)).toHaveLength(20);
  });
});
