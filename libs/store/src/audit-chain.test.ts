import { describe, expect, it } from 'vitest';
import { chainEntry, chainEntryText, GENESIS_HASH, verifyChain } from './audit-chain.js';

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

  it('gives each entry the text it was hashed from, which reads back as the same entry', () => {
    // Keys out of order and an undefined member: the text is canonical, as the hash is.
    const draft = {
      type: 'changes_detected' as const,
      resource_id: '',
      revision: 7,
      data: { z: 1, a: { y: [2, { c: 3, b: undefined }] } },
    };
    const plain = chainEntry(draft, 4, 'f'.repeat(64), 1_700_000_000_000);
    const { entry, text } = chainEntryText(draft, 4, 'f'.repeat(64), 1_700_000_000_000);
    expect(entry).toEqual(plain);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(plain)));
    expect(text.startsWith('{"data":{"a":{"y":[2,{"c":3}]},"z":1},')).toBe(true);
    const chained = [1, 2].reduce<ReturnType<typeof chainEntryText>[]>((acc, n) => {
      acc.push(chainEntryText(draft, n, acc[acc.length - 1]?.entry.hash ?? GENESIS_HASH, n));
      return acc;
    }, []);
    expect(verifyChain(chained.map((c) => JSON.parse(c.text)))).toMatchObject({ ok: true, entries: 2 });
  });
});
