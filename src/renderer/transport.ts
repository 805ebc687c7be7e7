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

/** The browser transport of `pcagent ui --web`: fetch for calls, server-sent events for events. */
export function webTransport(): ApiTransport {
  const token = document.querySelector<HTMLMetaElement>('meta[name="pcagent-token"]')?.content ?? '';
  let source: EventSource | null = null;
  const q = `token=${encodeURIComponent(token)}`;
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
      source ??= new EventSource(`/api/events?${q}`);
      const handler = (e: MessageEvent<string>) => listener(JSON.parse(e.data) as ApiEvents[E]);
      source.addEventListener(event, handler as EventListener);
      return () => source?.removeEventListener(event, handler as EventListener);
    },
    frameUrl: (frameId) => Promise.resolve(`/frames/${frameId}?${q}`),
  };
}

/** Electron's preload when present, else the web transport: the rest of the renderer is the same. */
export function chooseTransport(): ApiTransport {
  return window.pcagent ?? webTransport();
}
