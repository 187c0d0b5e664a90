import { describe, expect, it } from 'vitest';
import { InvalidSelectorError, parseSelector } from './selector.js';

const NOW = Date.parse('2026-12-03T12:00:00Z');

describe('parseSelector', () => {
  it('reads a revision number, given as a number or as digits', () => {
    expect(parseSelector(42)).toBe(42);
    expect(parseSelector(' 42 ')).toBe(42);
  });

  it('reads an age back from now, and now itself', () => {
    expect(parseSelector('30m', NOW)).toEqual(new Date(NOW - 30 * 60_000));
    expect(parseSelector('1.5h', NOW)).toEqual(new Date(NOW - 90 * 60_000));
    expect(parseSelector('7d', NOW)).toEqual(new Date(NOW - 7 * 86_400_000));
    expect(parseSelector('now', NOW)).toEqual(new Date(NOW));
    expect(parseSelector('NOW', NOW)).toEqual(new Date(NOW));
  });

  it('reads RFC 3339 times, with or without an offset', () => {
    expect(parseSelector('2026-12-01T10:00:00Z')).toEqual(new Date('2026-12-01T10:00:00Z'));
    expect(parseSelector('2026-12-01T10:00:00+02:00')).toEqual(new Date('2026-12-01T08:00:00Z'));
  });

  it('refuses anything else, naming the text and what it takes', () => {
    for (const bad of ['yesterday', '-1', '1.5', '2026-13-45T99:00:00Z', '', '5 minutes'])
      expect(() => parseSelector(bad)).toThrow(InvalidSelectorError);
    expect(() => parseSelector('tuesday')).toThrow(/cannot read "tuesday" as a time: .* or now$/);
    expect(() => parseSelector(-3)).toThrow(InvalidSelectorError);
    expect(() => parseSelector(new Date(Number.NaN))).toThrow(InvalidSelectorError);
  });
});
