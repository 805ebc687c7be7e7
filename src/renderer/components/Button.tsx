import type { ComponentChildren } from 'preact';
import type { JSX } from 'preact/jsx-runtime';

type ButtonProps = Omit<JSX.ButtonHTMLAttributes<HTMLButtonElement>, 'class' | 'type'> & {
  /** Extra classes after `btn`: primary, danger, small, or a class tests and styles select. */
  variant?: string;
  type?: 'button' | 'submit';
  children?: ComponentChildren;
};

/** The app's button: `class="btn …"`, never a form submit unless asked. */
export function Button({ variant, type = 'button', children, ...rest }: ButtonProps) {
  return (
    <button type={type} class={variant ? `btn ${variant}` : 'btn'} {...rest}>
      {children}
    </button>
  );
}
