import type { ComponentChildren } from 'preact';

/** A small label; `tone` is a status (recording, paused, finished, failed, running …) that styles it. */
export function Badge({ tone, id, children }: { tone?: string; id?: string; children: ComponentChildren }) {
  return (
    <span class={tone ? `badge ${tone}` : 'badge'} id={id}>
      {children}
    </span>
  );
}
