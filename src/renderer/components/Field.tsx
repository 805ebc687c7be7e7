import type { ComponentChildren } from 'preact';

/**
 * A labelled control with an optional hint and a place for its error (`${id}-error`). The
 * control itself is the child, with `id` and `invalidProps(id, error)` on it.
 */
export function Field(props: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  children: ComponentChildren;
}) {
  return (
    <div class="field">
      <label for={props.id}>{props.label}</label>
      {props.children}
      {props.hint ? (
        <p class="hint muted" id={`${props.id}-hint`}>
          {props.hint}
        </p>
      ) : null}
      <p class="field-error" id={`${props.id}-error`} hidden={!props.error}>
        {props.error ?? ''}
      </p>
    </div>
  );
}

/** What marks a control as refused, pointing at its Field's error message. */
export function invalidProps(id: string, error: string | undefined) {
  return error ? { 'aria-invalid': 'true' as const, 'aria-errormessage': `${id}-error` } : {};
}
