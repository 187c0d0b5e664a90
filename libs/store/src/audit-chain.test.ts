import { describe, expect, it } from 'vitest';
import { chainEntry, GENESIS_HASH, verifyChain } from './audit-chain.js';

describe('audit hash chain', () => {
  const entries = [1, 2, 3].reduce<ReturnType<typeof chainEntry>[]>((acc, n) => {
    const prev = acc[acc.length - 1]?.hash ?? GENESIS_HASH;
    acc.push(chainEntry({ type: 'observed', resource_id: `r${n}`, data: { n } }, n, prev, 1_700_000_000_000 + n));
    return acc;
  }, []);

  it('verifies an intact chain', () => {
    expect(verifyChain(entries)).toMatchObject({ ok: true, entries: 3 });
  });

  it('finds an edited entry, a removed entry and a re-hashed edit', () => {
    const edited = entries.map((e) => (e.seq === 2 ? { ...e, data: { n: 99 } } : e));
    expect(verifyChain(edited)).toMatchObject({ ok: false, seq: 2, reason: 'hash does not match the entry' });
    expect(verifyChain([entries[0]!, entries[2]!])).toMatchObject({ ok: false, seq: 3 });
    // Re-hashing the edited entry breaks the next link instead.
    const rehashed = chainEntry({ type: 'observed', resource_id: 'r2', data: { n: 99 } }, 2, entries[0]!.hash, 1);
    expect(verifyChain([entries[0]!, rehashed, entries[2]!])).toMatchObject({ ok: false, seq: 3, reason: /prev_hash/ });
  });
});
