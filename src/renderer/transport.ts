import type {
  ApiEventName,
  ApiEvents,
  ApiInput,
  ApiMethod,
  ApiOutput,
  ApiReply,
  ApiTransport,
} from '../api/contract.js';

declare global {
  interface Window {
    /** Set by Electron's preload (contextBridge); absent in a browser. */
    pcagent?: ApiTransport;
  }
}

/** The error a call rejects with: the back end's one-line message. */
export class ApiCallError extends Error {
  override readonly name = 'ApiCallError';
  constructor(
    readonly kind: string,
    message: string,
  ) {
    super(message);
  }
}

const REFUSED =
  'the PC Agent server refused this page: open the URL that `pcagent ui --web` printed (each run has a new token)';

/** The browser transport of `pcagent ui --web`: fetch for calls, server-sent events for events. */
export function webTransport(): ApiTransport {
  const token = document.querySelector<HTMLMetaElement>('meta[name="pcagent-token"]')?.content ?? '';
  let source: EventSource | null = null;
  const q = `token=${encodeURIComponent(token)}`;
  // The page's own notices about the connection go to the same listeners as the server's.
  const noticeListeners = new Set<(n: ApiEvents['notice']) => void>();
  const tell = (n: ApiEvents['notice']) => noticeListeners.forEach((l) => l(n));
  let lost = false;
  const events = (): EventSource => {
    if (source) return source;
    const es = new EventSource(`/api/events?${q}`);
    es.addEventListener('error', () => {
      if (es.readyState === EventSource.CLOSED) tell({ level: 'error', message: REFUSED });
      else if (!lost) tell({ level: 'error', message: 'lost the connection to the PC Agent server; reconnecting…' });
      lost = true;
    });
    es.addEventListener('open', () => {
      if (lost) tell({ level: 'info', message: 'reconnected to the PC Agent server' });
      lost = false;
    });
    source = es;
    return es;
  };
  return {
    async call<M extends ApiMethod>(method: M, input: ApiInput<M>): Promise<ApiOutput<M>> {
      let res: Response;
      try {
        res = await fetch(`/api/${method}`, {
          method: 'POST',
          headers: { 'Content-Type': 'application/json', 'X-PCAgent-Token': token },
          body: JSON.stringify(input ?? {}),
        });
      } catch {
        throw new ApiCallError('offline', 'the PC Agent server is not reachable (was `pcagent ui --web` stopped?)');
      }
      if (res.status === 403) throw new ApiCallError('forbidden', REFUSED);
      let reply: ApiReply<ApiOutput<M>>;
      try {
        reply = (await res.json()) as ApiReply<ApiOutput<M>>;
      } catch {
        throw new ApiCallError('http', `${method}: the server answered ${res.status}`);
      }
      if (!reply.ok) throw new ApiCallError(reply.error.kind, reply.error.message);
      return reply.result;
    },
    on<E extends ApiEventName>(event: E, listener: (payload: ApiEvents[E]) => void): () => void {
      const es = events();
      if (event === 'notice') noticeListeners.add(listener as (n: ApiEvents['notice']) => void);
      const handler = (e: MessageEvent<string>) => listener(JSON.parse(e.data) as ApiEvents[E]);
      es.addEventListener(event, handler as EventListener);
      return () => {
        noticeListeners.delete(listener as (n: ApiEvents['notice']) => void);
        es.removeEventListener(event, handler as EventListener);
      };
    },
    frameUrl: (frameId) => Promise.resolve(`/frames/${frameId}?${q}`),
  };
}

/** Electron's preload when present, else the web transport: the rest of the renderer is the same. */
export function chooseTransport(): ApiTransport {
  return window.pcagent ?? webTransport();
}
