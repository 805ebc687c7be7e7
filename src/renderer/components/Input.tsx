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
