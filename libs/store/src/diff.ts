import type { FieldDiff } from '@elava/types';
import { canonicalJson } from './canonical.js';

/**
 * How a document's lists are matched: the list's shape path (`attributes.rules`, with `[]` for each
 * list on the way: `attributes.listeners[].rules`) to the field that names an element. The store
 * knows no field names of its own beyond the generic `id`, `key` and `name`: whoever writes a type's
 * documents says (the AWS readers' `listKeys`).
 */
export type ListKeys = Readonly<Record<string, string>>;

/** Field names that name an element wherever no list key is declared. */
const GENERIC_KEYS = ['id', 'key', 'name'];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function elementKey(v: unknown, declared: string | undefined): string {
  if (isObject(v)) {
    for (const k of declared ? [declared] : GENERIC_KEYS) {
      const key = v[k];
      if (typeof key === 'string' || typeof key === 'number') return `${k}=${key}`;
    }
  }
  // No name: the element's whole content is its identity (a security group rule tuple, a CIDR).
  return canonicalJson(v);
}

/**
 * Field-level differences. Objects are compared key by key; lists are matched by natural key,
 * never by position, so a reordered list is no change and swapping one element shows as one
 * removal and one addition, not a rewrite of every index.
 */
export function diff(before: unknown, after: unknown, keys: ListKeys = {}): FieldDiff[] {
  return walk(before, after, '', '', keys);
}

function walk(before: unknown, after: unknown, path: string, shape: string, keys: ListKeys): FieldDiff[] {
  if (before === after) return [];
  if (isObject(before) && isObject(after)) {
    const out: FieldDiff[] = [];
    const names = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of names)
      out.push(...walk(before[k], after[k], path ? `${path}.${k}` : k, shape ? `${shape}.${k}` : k, keys));
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const declared = keys[shape];
    const b = new Map(before.map((v) => [elementKey(v, declared), v]));
    const a = new Map(after.map((v) => [elementKey(v, declared), v]));
    const out: FieldDiff[] = [];
    for (const [k, v] of b) {
      const p = `${path}[${k}]`;
      if (!a.has(k)) out.push({ path: p, before: v });
      else out.push(...walk(v, a.get(k), p, `${shape}[]`, keys));
    }
    for (const [k, v] of a) if (!b.has(k)) out.push({ path: `${path}[${k}]`, after: v });
    return out;
  }
  if (before === undefined) return [{ path, after }];
  if (after === undefined) return [{ path, before }];
  if (canonicalJson(before) === canonicalJson(after)) return [];
  return [{ path, before, after }];
}
