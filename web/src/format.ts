/** "3m ago", "2h ago", "4d ago": how long before now a time was. */
export function ago(time: string | null | undefined, now = Date.now()): string {
  if (!time) return '—';
  const ms = now - Date.parse(time);
  if (Number.isNaN(ms)) return time;
  const s = Math.round(ms / 1000);
  if (s < 60) return `${Math.max(s, 0)}s ago`;
  if (s < 3600) return `${Math.round(s / 60)}m ago`;
  if (s < 86400) return `${Math.round(s / 3600)}h ago`;
  return `${Math.round(s / 86400)}d ago`;
}

/** A local, readable form of an RFC 3339 time, the exact one kept in the title. */
export function when(time: string | null | undefined): string {
  if (!time) return '—';
  const d = new Date(time);
  return Number.isNaN(d.getTime()) ? time : d.toLocaleString();
}

/**
 * What a person types as an instant, as the API reads it: a revision (812), an RFC 3339 time, an
 * age (2h) or an age said the long way ("2h ago", "30 min ago").
 */
export function toSelector(text: string | undefined): string | undefined {
  if (!text) return undefined;
  const t = text.trim();
  const m = /^(\d+(?:\.\d+)?)\s*(s|sec|m|min|h|hr|d|day|days|w|wk)s?\s*(ago)?$/i.exec(t);
  if (m) {
    const unit = (m[2] as string).toLowerCase()[0];
    return `${m[1]}${unit}`;
  }
  return t;
}

/** `aws:123456789012:us-east-1:ec2.instance:i-0abc` → its parts, for display. */
export function parts(id: string): { account: string; region: string; type: string; native: string } {
  const [, account = '', region = '', type = '', ...rest] = id.split(':');
  return { account, region, type, native: rest.join(':') };
}

export function show(v: unknown): string {
  if (v === undefined) return '';
  if (typeof v === 'string') return v;
  return JSON.stringify(v);
}
