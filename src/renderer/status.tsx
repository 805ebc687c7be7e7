import { signal } from '@preact/signals';

interface Message {
  text: string;
  level: 'info' | 'error';
  /** Tells two equal messages apart, so an old one's timer does not clear a new one. */
  serial: number;
}

/** The message the status area (`#status`) shows: one at a time. */
const current = signal<Message | null>(null);
let serial = 0;

/** Shows a short message in the status area (errors stay until the next message). */
export function notify(text: string, level: 'info' | 'error' = 'info'): void {
  const message = { text, level, serial: ++serial };
  current.value = message;
  if (level === 'info') setTimeout(() => current.value === message && (current.value = null), 3000);
}

/** Runs an action from a button: errors become a visible message, never an unhandled rejection. */
export async function attempt<T>(fn: () => Promise<T>): Promise<T | undefined> {
  try {
    return await fn();
  } catch (err) {
    notify((err as Error).message, 'error');
    return undefined;
  }
}

/** The status area's content (rendered into the page's `#status`, a polite live region). */
export function StatusLine() {
  const m = current.value;
  if (!m) return null;
  return (
    <div key={m.serial} class={`msg ${m.level}`} role={m.level === 'error' ? 'alert' : undefined}>
      {m.text}
    </div>
  );
}
