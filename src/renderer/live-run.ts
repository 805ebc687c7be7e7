import { useRef, useState } from 'preact/hooks';

/**
 * The run a view shows (agent, eval), fed by call replies and pushed events alike. A reply older
 * than an event already shown (e.g. stop's reply after the "stopped" event) is dropped, so the
 * screen never steps back; `shown` is the run drawn last, for handlers that must not wait for
 * the next render.
 */
export function useLiveRun<R extends { revision: number }>() {
  const [run, setRun] = useState<R | null>(null);
  const shown = useRef<R | null>(null);
  const draw = (next: R | null) => {
    if (next && shown.current && next.revision < shown.current.revision) return;
    shown.current = next;
    setRun(next);
  };
  return { run, shown, draw };
}
