import { show } from '../format';

export interface FieldDiff {
  path: string;
  before?: unknown;
  after?: unknown;
}

/** A field-level diff as before/after columns: removed values struck red, added ones green. */
export function DiffTable({ diff, empty = 'no field changed' }: { diff: FieldDiff[]; empty?: string }) {
  if (diff.length === 0) return <p class="muted">{empty}</p>;
  return (
    <table class="diff">
      <thead>
        <tr>
          <th>field</th>
          <th>before</th>
          <th>after</th>
        </tr>
      </thead>
      <tbody>
        {diff.map((d) => (
          <tr key={d.path}>
            <td class="path">{d.path}</td>
            <td class={'before' in d ? 'before' : 'none'}>{'before' in d ? show(d.before) : '—'}</td>
            <td class={'after' in d ? 'after' : 'none'}>{'after' in d ? show(d.after) : '—'}</td>
          </tr>
        ))}
      </tbody>
    </table>
  );
}
