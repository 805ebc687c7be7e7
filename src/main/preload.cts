/**
 * Electron preload (sandboxed, so CommonJS and only `electron` may be required): exposes the
 * API contract to the renderer as `window.pcagent` through contextBridge, and nothing else.
 * Inputs are validated in the main process against the same contract (the preload is not
 * trusted to do it: a compromised renderer could skip it).
 */
// A sandboxed preload is CommonJS: `import … = require` is the form TypeScript keeps as require().
// eslint-disable-next-line @typescript-eslint/no-require-imports
import electron = require('electron');
import type { ApiEventName, ApiReply, ApiTransport } from '../api/contract.js';

const { contextBridge, ipcRenderer } = electron;

// The sandboxed preload cannot import runtime values: test/app/api-contract.test.ts keeps this equal to API_EVENTS.
const EVENTS: readonly string[] = ['tracker', 'library', 'notice', 'job', 'agent', 'eval'];

function unwrap<T>(reply: ApiReply<T>): T {
  if (reply.ok) return reply.result;
  const err = new Error(reply.error.message);
  err.name = reply.error.kind;
  throw err;
}

const api: ApiTransport = {
  async call(method, input) {
    if (typeof method !== 'string') throw new TypeError('method must be a string');
    return unwrap(await ipcRenderer.invoke('pcagent:call', method, input ?? {}));
  },
  on(event, listener) {
    if (!EVENTS.includes(event)) throw new TypeError(`unknown event "${String(event)}"`);
    const handler = (_e: unknown, name: ApiEventName, payload: unknown) => {
      if (name === event) (listener as (p: unknown) => void)(payload);
    };
    ipcRenderer.on('pcagent:event', handler);
    return () => {
      ipcRenderer.removeListener('pcagent:event', handler);
    };
  },
  async frameUrl(frameId) {
    return unwrap<string>(await ipcRenderer.invoke('pcagent:frame', frameId));
  },
};

contextBridge.exposeInMainWorld('pcagent', api);
