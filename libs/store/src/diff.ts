import type { FieldDiff } from '@elava/types';
import { canonicalJson } from './canonical.js';

/** Fields that name a list element, in order of preference. */
const NATURAL_KEYS = ['id', 'key', 'Key', 'name', 'network_interface_id', 'allocation_id', 'destination'];

const isObject = (v: unknown): v is Record<string, unknown> => v !== null && typeof v === 'object' && !Array.isArray(v);

function elementKey(v: unknown): string {
  if (isObject(v)) {
    for (const k of NATURAL_KEYS) {
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
export function diff(before: unknown, after: unknown, path = ''): FieldDiff[] {
  if (before === after) return [];
  if (isObject(before) && isObject(after)) {
    const out: FieldDiff[] = [];
    const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
    for (const k of keys) out.push(...diff(before[k], after[k], path ? `${path}.${k}` : k));
    return out;
  }
  if (Array.isArray(before) && Array.isArray(after)) {
    const b = new Map(before.map((v) => [elementKey(v), v]));
    const a = new Map(after.map((v) => [elementKey(v), v]));
    const out: FieldDiff[] = [];
    for (const [k, v] of b) {
      const p = `${path}[${k}]`;
      if (!a.has(k)) out.push({ path: p, before: v });
      else out.push(...diff(v, a.get(k), p));
    }
    for (const [k, v] of a) if (!b.has(k)) out.push({ path: `${path}[${k}]`, after: v });
    return out;
  }
  if (before === undefined) return [{ path, after }];
  if (after === undefined) return [{ path, before }];
  if (canonicalJson(before) === canonicalJson(after)) return [];
  return [{ path, before, after }];
}
