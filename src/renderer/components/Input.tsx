/**
 * A labelled text (url, number) field and a labelled check box or radio button: the label
 * before the field, the box before its label, both tied by `id`, the value kept by the screen.
 */
export function TextInput(props: {
  id: string;
  label: string;
  value: string;
  onInput: (value: string) => void;
  type?: 'text' | 'url' | 'number';
  placeholder?: string;
  disabled?: boolean;
  min?: number;
  max?: number;
}) {
  const { id, label, onInput, type = 'text', ...rest } = props;
  return (
    <>
      <label for={id}>{label}</label>
      <input type={type} id={id} {...rest} onInput={(e) => onInput(e.currentTarget.value)} />
    </>
  );
}

/** A whole-number field from 1 to `max`; `wholeCount` reads its value. */
export function CountInput(props: {
  id: string;
  label: string;
  max: number;
  value: string;
  onInput: (value: string) => void;
  disabled?: boolean;
}) {
  return <TextInput type="number" min={1} {...props} />;
}

/** A CountInput's value as a number, or undefined where it is not a whole number above 0 (the default then). */
export function wholeCount(value: string): number | undefined {
  const n = Number(value);
  return Number.isInteger(n) && n > 0 ? n : undefined;
}

export function Check(props: {
  id: string;
  label: string;
  checked: boolean;
  onChange: (checked: boolean) => void;
  /** A radio button of the group `name` (default: a check box). */
  name?: string;
  disabled?: boolean;
  title?: string;
}) {
  const { id, label, onChange, name, title, ...rest } = props;
  return (
    <>
      <input
        type={name ? 'radio' : 'checkbox'}
        name={name}
        id={id}
        {...rest}
        onChange={(e) => onChange(e.currentTarget.checked)}
      />
      <label for={id} title={title}>
        {label}
      </label>
    </>
  );
}
