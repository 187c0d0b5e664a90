import type { JSX } from 'preact';
import { useQueryState } from '../hooks';

export interface Field {
  name: string;
  label: string;
  /** A select of these values (plus "any"); a text input when absent. */
  options?: readonly string[];
  placeholder?: string;
  /** Used when the address has none (shown, and sent). */
  fallback?: string;
  wide?: boolean;
}

/**
 * The filters of a page as a form whose values live in the address: applying them is a
 * navigation (shareable, Back undoes it) and starts again at the first page.
 */
export function Filters({ fields, children }: { fields: Field[]; children?: JSX.Element | JSX.Element[] | null }) {
  const [query, set] = useQueryState();
  const submit = (e: Event) => {
    e.preventDefault();
    const form = new FormData(e.currentTarget as HTMLFormElement);
    const changes: Record<string, string | null> = { cursor: null };
    for (const f of fields) changes[f.name] = String(form.get(f.name) ?? '').trim() || null;
    set(changes);
  };
  return (
    <form class="filters" onSubmit={submit} key={JSON.stringify(query)}>
      {fields.map((f) => (
        <label key={f.name} class={f.wide ? 'wide' : ''} htmlFor={`filter-${f.name}`}>
          <span>{f.label}</span>
          {f.options ? (
            <select id={`filter-${f.name}`} name={f.name} value={query[f.name] ?? f.fallback ?? ''}>
              <option value="">any</option>
              {f.options.map((o) => (
                <option key={o} value={o}>
                  {o}
                </option>
              ))}
            </select>
          ) : (
            <input
              id={`filter-${f.name}`}
              name={f.name}
              type="text"
              defaultValue={query[f.name] ?? f.fallback ?? ''}
              placeholder={f.placeholder}
              autoComplete="off"
              spellcheck={false}
            />
          )}
        </label>
      ))}
      <button type="submit">apply</button>
      {children}
    </form>
  );
}
