import type { BackendContext, HandlersOf } from './context.js';

/** The agent console: one run (or replay) at a time, its steps pushed as `agent` events. */
export function agentHandlers(_ctx: BackendContext): HandlersOf<'agent'> {
  const reason = 'the agent console cannot start runs yet: use `pcagent run TEXT` from a terminal';
  const refuse = (): never => {
    throw new Error(reason);
  };
  return {
    'agent.state': () => ({ available: false, reason, run: null }),
    'agent.run': refuse,
    'agent.replay': refuse,
    'agent.pause': refuse,
    'agent.resume': refuse,
    'agent.stop': refuse,
  };
}
