import { styleText } from 'node:util';
import { nativeIdOf } from '@elava/types';
import type { Io } from './io.js';

type Colour = 'red' | 'yellow' | 'green' | 'cyan' | 'dim' | 'bold' | 'magenta';

/** Colour at a terminal, plain when piped or with NO_COLOR. */
export const paint = (io: Io, colour: Colour, text: string): string => (io.tty ? styleText(colour, text) : text);

const SEVERITY: Record<string, Colour> = { critical: 'red', warning: 'yellow', info: 'cyan' };
export const severity = (io: Io, s: string): string => paint(io, SEVERITY[s] ?? 'dim', s);

// biome-ignore lint/suspicious/noControlCharactersInRegex: stripping the terminal's colour codes to measure width
const visible = (s: string) => s.replace(/\u001b\[[0-9;]*m/g, '').length;

/** Columns aligned to their widest cell; the last column is never padded, and cut to `maxLast`. */
export function table(io: Io, headers: string[], rows: string[][], maxLast = 100): string {
  const cut = rows.map((r) =>
    r.map((c, i) => (i === r.length - 1 && visible(c) > maxLast ? `${c.slice(0, maxLast - 1)}…` : c)),
  );
  const widths = headers.map((h, i) => Math.max(h.length, ...cut.map((r) => visible(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(Math.max(0, (widths[i] ?? 0) - visible(c)))))
      .join('  ')
      .trimEnd();
  return [paint(io, 'bold', line(headers)), ...cut.map(line)].join('\n');
}

/** "3m ago", "2h ago", "4d ago". */
export function age(iso: string | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 90) return `${s}s ago`;
  if (s < 90 * 60) return `${Math.round(s / 60)}m ago`;
  if (s < 36 * 3600) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86_400)}d ago`;
}

/** The native part of a canonical id, which is what people recognise. */
export const native = (id: string): string => nativeIdOf(id) ?? id;

/**
 * A decision's reason as a terminal line says it: its resource's canonical id, already in a column
 * of its own, shortened to the native id (a reason with several findings names it in each). The
 * reason itself, in --json and on NATS, is left whole.
 */
export const shortReason = (d: { reason: string; resource: { id: string } }): string =>
  d.resource.id ? d.reason.replaceAll(d.resource.id, native(d.resource.id)) : d.reason;

/** A diff entry as one line: path: before → after. */
export function diffLine(d: { path: string; before?: unknown; after?: unknown }): string {
  const show = (v: unknown) => (v === undefined ? '∅' : typeof v === 'string' ? v : JSON.stringify(v));
  return `${d.path}: ${show(d.before)} → ${show(d.after)}`;
}

/** Bytes as B/KiB/MiB/GiB. */
export function bytes(n: number): string {
  const units = ['B', 'KiB', 'MiB', 'GiB', 'TiB'];
  let v = n;
  let u = 0;
  while (v >= 1024 && u < units.length - 1) {
    v /= 1024;
    u++;
  }
  return `${v.toFixed(u === 0 ? 0 : 1)} ${units[u]}`;
}
