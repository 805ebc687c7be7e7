import { useEffect, useState } from 'preact/hooks';
import type { AgentRunDto, AgentStateDto, AgentStepDto, ApiTransport, GrounderName } from '../../api/contract.js';
import { replayStepOk } from '../../core/replay-report.js';
import { ms, time, timingsLine } from '../format.js';
import { Availability } from '../components/Availability.js';
import { Badge } from '../components/Badge.js';
import { Button } from '../components/Button.js';
import { FrameImage } from '../components/FrameImage.js';
import { CountInput, wholeCount } from '../components/Input.js';
import { GrounderSelect, PlannerFields, useRunModels } from '../components/PlannerFields.js';
import { Panel } from '../components/Panel.js';
import { useLiveRun } from '../live-run.js';
import { attempt } from '../status.js';

const STATUS_TEXT: Record<AgentRunDto['status'], string> = {
  starting: 'starting (loading models, opening the screen)…',
  running: 'running',
  paused: 'paused',
  finished: 'finished',
  failed: 'failed',
  stopped: 'stopped',
};

/**
 * Agent console: a task for the desktop agent with its planner and grounder; while it runs, the
 * steps arrive live (marked frame, thought, action, grounding) with pause / resume / stop. The
 * run is an agent recording in the library. Replays started from the library show here too.
 */
export function AgentView({ api }: { api: ApiTransport }) {
  const [task, setTask] = useState('');
  const models = useRunModels(api);
  const [maxSteps, setMaxSteps] = useState('50');
  const [state, setState] = useState<{ available: boolean; reason: string | null } | null>(null);
  const { run, shown, draw } = useLiveRun<AgentRunDto>();
  const apply = (s: AgentStateDto | undefined) => {
    if (!s) return;
    setState({ available: s.available, reason: s.reason ?? null });
    draw(s.run);
  };
  useEffect(() => {
    const off = api.on('agent', draw);
    void attempt(() => api.call('agent.state', {})).then(apply);
    return off;
  }, [api]);

  const live = run !== null && (run.status === 'starting' || run.status === 'running' || run.status === 'paused');
  const start = () => {
    const { endpoint, model } = models;
    const steps = wholeCount(maxSteps);
    void attempt(() =>
      api.call('agent.run', {
        task,
        grounder: models.grounder as GrounderName,
        ...(endpoint.trim() || model.trim() ? { planner: { endpoint: endpoint.trim(), model: model.trim() } } : {}),
        ...(steps ? { maxSteps: steps } : {}),
      }),
    ).then(apply);
  };
  const pause = () => {
    const method = shown.current?.status === 'paused' ? 'agent.resume' : 'agent.pause';
    void attempt(() => api.call(method, {})).then(apply);
  };
  const stop = () => void attempt(() => api.call('agent.stop', {})).then(apply);

  return (
    <div class="grid2 agent">
      <Panel id="agent" title="Agent console">
        <Availability id="agent-info" state={state} ready="The agent acts on this computer’s screen with real input." />
        <label for="agent-task">Task</label>
        <textarea
          id="agent-task"
          placeholder='e.g. Create a title slide that says "Quarterly Review" and save it as review.odp'
          value={task}
          disabled={live}
          onInput={(e) => setTask(e.currentTarget.value)}
        />
        <PlannerFields prefix="agent" models={models} disabled={live} />
        <GrounderSelect id="agent-grounder" value={models.grounder} onChange={models.setGrounder} disabled={live} />
        <CountInput
          id="agent-max-steps"
          label="Steps at most"
          max={1000}
          value={maxSteps}
          disabled={live}
          onInput={setMaxSteps}
        />
        <div class="row">
          <Button variant="primary" id="agent-run" disabled={!state?.available || live} onClick={start}>
            Run
          </Button>
          <Button id="agent-pause" disabled={!live || run?.status === 'starting'} onClick={pause}>
            {run?.status === 'paused' ? 'Resume' : 'Pause'}
          </Button>
          <Button variant="danger" id="agent-stop" disabled={!live} onClick={stop}>
            Stop
          </Button>
        </div>
        <p class="muted">Stop also: the abort hotkey, or move the pointer into a screen corner.</p>
      </Panel>
      <Panel id="agent-run" title="Run">
        <RunStatus run={run} />
        <ol class="agent-steps" id="agent-steps" aria-label="Agent steps">
          {run?.steps.map((s) => (
            <StepItem key={`${run.startedAt}-${s.index}`} api={api} s={s} />
          ))}
          {run && live && run.steps.length === 0 ? <li class="muted waiting">Waiting for the first step…</li> : null}
        </ol>
      </Panel>
    </div>
  );
}

function RunStatus({ run }: { run: AgentRunDto | null }) {
  return (
    <p id="agent-status" aria-live="polite">
      {run === null ? (
        <span class="muted">No run yet in this session.</span>
      ) : (
        <>
          <Badge tone={run.status}>{STATUS_TEXT[run.status]}</Badge>
          {` ${run.kind === 'replay' ? 'Replay' : 'Task'}: ${run.task}`}
          {run.recordingId !== null ? ` · recording #${run.recordingId}` : ''}
          {` · grounder ${run.grounder}${run.provider ? ` on ${run.provider}` : ''}`}
          {run.planner ? ` · planner ${run.planner}` : ''}
          {` · started ${time(run.startedAt)}`}
          {run.reason ? (
            <span id="agent-reason" class="block">
              {run.reason}
            </span>
          ) : null}
        </>
      )}
    </p>
  );
}

function groundingLine(s: AgentStepDto): string | null {
  const g = s.grounding;
  if (!g) return null;
  if (!g.found || !g.point) return `${g.grounder}: ${g.target} — not found`;
  return `${g.grounder}: ${g.target} → (${g.point.x}, ${g.point.y})${g.text ? ` "${g.text}"` : ''}${g.score !== null ? `, score ${g.score.toFixed(2)}` : ''}`;
}

/** One step of a run: its screen (larger on a click), action, thought, grounding and timings. */
function StepItem({ api, s }: { api: ApiTransport; s: AgentStepDto }) {
  const [expanded, setExpanded] = useState(false);
  const frame = s.markedFrame ?? s.frame;
  const grounding = groundingLine(s);
  return (
    <li class={expanded ? 'agent-step expanded' : 'agent-step'} data-step={s.index}>
      {frame ? (
        <button
          type="button"
          class="thumb-button"
          title="Show larger"
          aria-label={`Step ${s.index} screen, larger`}
          onClick={() => setExpanded(!expanded)}
        >
          <FrameImage api={api} frame={frame} class="thumb" alt={`Screen at step ${s.index}: ${s.action}`} />
        </button>
      ) : (
        <div class="muted">no frame</div>
      )}
      <div>
        <p class="step-action">
          <strong>{`${s.index}. `}</strong>
          {s.action}
        </p>
        {s.thought ? <p class="step-thought">{s.thought}</p> : null}
        {grounding ? <p class="step-grounding muted">{grounding}</p> : null}
        {s.notFound.length ? <p class="muted">{`Not found first: ${s.notFound.join('; ')}`}</p> : null}
        {s.replay ? (
          <p class="step-replay">
            <Badge tone={replayStepOk(s.replay.outcome) ? 'finished' : 'failed'}>{s.replay.outcome}</Badge>
            {[
              s.replay.grounder ? ` by ${s.replay.grounder}` : '',
              s.replay.verified ? ' · verified' : '',
              s.replay.retried ? ' · retried' : '',
              s.replay.window ? ` · window: ${s.replay.window.title}` : '',
              s.replay.error ? ` · ${s.replay.error}` : '',
              s.replay.settleMs !== undefined ? ` · settle ${ms(s.replay.settleMs)}` : '',
              ` · took ${ms(s.replay.ms)}`,
            ].join('')}
          </p>
        ) : (
          <p class="muted small">{timingsLine(s.timings)}</p>
        )}
      </div>
    </li>
  );
}
