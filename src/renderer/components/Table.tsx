import type { ComponentChildren } from 'preact';

/**
 * A table with column headings; `empty` is the one row shown across all columns when there
 * are no rows (e.g. "No recordings.").
 */
export function Table(props: {
  id: string;
  columns: readonly ComponentChildren[];
  empty: string | null;
  children?: ComponentChildren;
}) {
  return (
    <table id={props.id}>
      <thead>
        <tr>
          {props.columns.map((c, i) => (
            <th key={i} scope="col">
              {c}
            </th>
          ))}
        </tr>
      </thead>
      <tbody>
        {props.empty !== null ? (
          <tr>
            <td colSpan={props.columns.length} class="muted">
              {props.empty}
            </td>
          </tr>
        ) : (
          props.children
        )}
      </tbody>
    </table>
  );
}
