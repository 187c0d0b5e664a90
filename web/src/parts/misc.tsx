import type { ComponentChildren } from 'preact';
import { parts } from '../format';

export function Severity({ value }: { value: string }) {
  return <span class={`sev sev-${value}`}>{value}</span>;
}

export function Kind({ value }: { value: string }) {
  return <span class={`kind kind-${value}`}>{value.replace('_', ' ')}</span>;
}

/** A resource id as a link to its page (versions and diffs), showing its native id. */
export function ResourceLink({ id, at }: { id: string; at?: string | number }) {
  const p = parts(id);
  const href = `/resource?id=${encodeURIComponent(id)}${at !== undefined ? `&to=${at}` : ''}`;
  return (
    <a href={href} title={id} class="rid">
      {p.native}
      <small>
        {' '}
        {p.type} · {p.region}
      </small>
    </a>
  );
}

export function Tags({ tags }: { tags: Record<string, string> | undefined }) {
  const list = Object.entries(tags ?? {});
  if (list.length === 0) return <span class="muted">no tags</span>;
  return (
    <span class="tags">
      {list.map(([k, v]) => (
        <span class="tag" key={k}>
          {k}={v}
        </span>
      ))}
    </span>
  );
}

export function Problem({ error, children }: { error: string | null; children?: ComponentChildren }) {
  if (!error) return null;
  return (
    <div class="problem" role="alert">
      {error}
      {children}
    </div>
  );
}

export function Loading({ when }: { when: boolean }) {
  return when ? <p class="muted loading">loading …</p> : null;
}
