import type { JSX } from 'preact/jsx-runtime';

export interface Option {
  value: string | number;
  label: string;
}

type SelectProps = Omit<JSX.SelectHTMLAttributes<HTMLSelectElement>, 'value' | 'onChange'> & {
  options: readonly Option[];
  value: string;
  onChange: (value: string) => void;
};

/** A controlled `<select>`: the value lives in the screen's state. */
export function Select({ options, value, onChange, ...rest }: SelectProps) {
  return (
    <select {...rest} value={value} onChange={(e) => onChange(e.currentTarget.value)}>
      {options.map((o) => (
        <option key={o.value} value={o.value}>
          {o.label}
        </option>
      ))}
    </select>
  );
}
