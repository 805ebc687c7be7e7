import { useEffect, useState } from 'preact/hooks';
import type {
  ApiInput,
  ApiTransport,
  EvalRunDto,
  EvalStateDto,
  EvalSuiteDto,
  GrounderName,
} from '../../api/contract.js';
import { Availability } from '../components/Availability.js';
import { Badge } from '../components/Badge.js';
import { Button } from '../components/Button.js';
import { Check, CountInput, TextInput, wholeCount } from '../components/Input.js';
import { Panel } from '../components/Panel.js';
import { GrounderSelect, PlannerFields, useRunModels } from '../components/PlannerFields.js';
import { Select } from '../components/Select.js';
import { Table } from '../components/Table.js';
import { plural, time } from '../format.js';
import { useLiveRun } from '../live-run.js';
import { attempt } from '../status.js';

/** The suite select's entry for a suite read from a folder or file. */
const OTHER_SUITE = '';

type AgentKind = ApiInput<'eval.start'>['agent']['kind'];
const AGENT_KINDS: [AgentKind, string][] = [
  ['plan', 'scripted plans'],
  ['planner', 'planner model'],
  ['replay', "replay the library's demonstrations"],
];

/**
 * Evaluate: a task suite (built-in, or a folder / file) run on this desktop with scripted plans
 * or a planner model, under the chosen perturbations; progress while it runs, then the
 * per-attempt table and the report (report.html in the data directory's `evals/`). The back
 * end runs `pcagent eval`'s runner as a background job.
 */
export function EvaluateView({ api }: { api: ApiTransport }) {
  const [state, setState] = useState<EvalStateDto | null>(null);
  const { run, draw } = useLiveRun<EvalRunDto>();
  const [suiteSpec, setSuiteSpec] = useState<string>(OTHER_SUITE);
  const [suitePath, setSuitePath] = useState('');
  const [loaded, setLoaded] = useState<EvalSuiteDto | null>(null);
  const [unchecked, setUnchecked] = useState<ReadonlySet<string>>(new Set());
  const [agentKind, setAgentKind] = useState<AgentKind>('plan');
  const [coordinates, setCoordinates] = useState(false);
  const [planFile, setPlanFile] = useState('');
  const models = useRunModels(api);
  const [perturb, setPerturb] = useState<ReadonlySet<string>>(new Set());
  const [repeat, setRepeat] = useState('1');

  const apply = (s: EvalStateDto | undefined) => {
    if (!s) return;
    setState(s);
    draw(s.run);
  };
  useEffect(() => {
    const off = api.on('eval', draw);
    void attempt(() => api.call('eval.state', {})).then((s) => {
      apply(s);
      const first = s?.suites[0];
      if (first) {
        setSuiteSpec(first.spec);
        setLoaded(first);
      }
    });
    return off;
  }, [api]);

  const chooseSuite = (spec: string) => {
    setSuiteSpec(spec);
    setUnchecked(new Set());
    setLoaded(state?.suites.find((s) => s.spec === spec) ?? null);
  };
  const loadFile = async () => {
    const suite = await attempt(() => api.call('eval.suite', { spec: suitePath }));
    if (!suite) return;
    setUnchecked(new Set());
    setLoaded(suite);
  };
  const running = run?.status === 'running';
  const tasks = loaded?.tasks ?? [];
  const chosenTasks = tasks.filter((t) => !unchecked.has(t.id)).map((t) => t.id);
  const start = () => {
    if (!loaded) return;
    const n = wholeCount(repeat);
    void attempt(() =>
      api.call('eval.start', {
        suite: loaded.spec,
        ...(chosenTasks.length < tasks.length ? { tasks: chosenTasks } : {}),
        agent:
          agentKind === 'plan'
            ? { kind: 'plan', file: planFile }
            : agentKind === 'replay'
              ? { kind: 'replay', mode: coordinates ? 'coordinates' : 'semantic' }
              : { kind: 'planner', endpoint: models.endpoint.trim(), model: models.model.trim() },
        grounder: models.grounder as GrounderName,
        ...(perturb.size ? { perturbations: [...perturb] } : {}),
        ...(n ? { repeat: n } : {}),
      }),
    ).then(apply);
  };
  const stop = () => void attempt(() => api.call('eval.stop', {})).then(apply);
  const toggle = (set: ReadonlySet<string>, key: string, on: boolean) => {
    const next = new Set(set);
    if (on) next.add(key);
    else next.delete(key);
    return next;
  };

  const suiteOptions = [
    ...(state?.suites ?? []).map((s) => ({
      value: s.spec,
      label: `${s.name} (built in, ${plural(s.tasks.length, 'task')})`,
    })),
    { value: OTHER_SUITE, label: 'a suite folder or file…' },
  ];

  return (
    <div class="grid2 evaluate">
      <Panel id="eval" title="Evaluate">
        <Availability
          id="eval-info"
          state={state}
          ready="Each attempt starts LibreOffice Impress with a fresh profile on this screen, lets the agent work, then checks the saved file."
        />
        <label for="eval-suite">Suite</label>
        <Select id="eval-suite" options={suiteOptions} value={suiteSpec} onChange={chooseSuite} disabled={running} />
        {state && suiteSpec === OTHER_SUITE ? (
          <div class="row">
            <TextInput
              id="eval-suite-path"
              label="Suite folder or file"
              placeholder="/path/to/suite (suite.yaml or suite.json)"
              value={suitePath}
              disabled={running}
              onInput={setSuitePath}
            />
            <Button id="eval-suite-load" disabled={running || suitePath.trim() === ''} onClick={() => void loadFile()}>
              Load
            </Button>
          </div>
        ) : null}
        {loaded ? (
          <fieldset class="eval-tasks" id="eval-tasks">
            <legend>{`Tasks (${chosenTasks.length} of ${tasks.length})`}</legend>
            <p class="muted small">{loaded.description}</p>
            <ul>
              {tasks.map((t) => (
                <li key={t.id}>
                  <Check
                    id={`eval-task-${t.id}`}
                    label={`${t.id} (${t.level})`}
                    title={t.instruction}
                    checked={!unchecked.has(t.id)}
                    disabled={running}
                    onChange={(on) => setUnchecked((u) => toggle(u, t.id, !on))}
                  />
                </li>
              ))}
            </ul>
          </fieldset>
        ) : null}
        <fieldset class="row" id="eval-agent">
          <legend>Agent</legend>
          {AGENT_KINDS.map(([kind, label]) => (
            <Check
              key={kind}
              name="eval-agent"
              id={`eval-agent-${kind}`}
              label={label}
              checked={agentKind === kind}
              disabled={running}
              onChange={() => setAgentKind(kind)}
            />
          ))}
        </fieldset>
        {agentKind === 'plan' ? (
          <TextInput
            id="eval-plan"
            label="Plan file (YAML / JSON: task id → planner actions)"
            placeholder="/path/to/plans.yaml"
            value={planFile}
            disabled={running}
            onInput={setPlanFile}
          />
        ) : agentKind === 'replay' ? (
          <Check
            id="eval-coordinates"
            label="naive baseline: recorded points scaled to the screen, nothing grounded"
            checked={coordinates}
            disabled={running}
            onChange={setCoordinates}
          />
        ) : (
          <PlannerFields prefix="eval" models={models} disabled={running} />
        )}
        <GrounderSelect id="eval-grounder" value={models.grounder} onChange={models.setGrounder} disabled={running} />
        <fieldset class="row" id="eval-perturbations">
          <legend>Perturbations</legend>
          {(state?.perturbations ?? []).map((p) => (
            <Check
              key={p}
              id={`eval-perturb-${p.replace(/\W+/g, '-')}`}
              label={p}
              checked={perturb.has(p)}
              disabled={running}
              onChange={(on) => setPerturb((s) => toggle(s, p, on))}
            />
          ))}
        </fieldset>
        <p class="muted small">Without one, each task runs once as it is; with some, once per perturbation.</p>
        <CountInput
          id="eval-repeat"
          label="Attempts per task"
          max={100}
          value={repeat}
          disabled={running}
          onInput={setRepeat}
        />
        <div class="row">
          <Button
            variant="primary"
            id="eval-start"
            disabled={!state?.available || running || !loaded || chosenTasks.length === 0}
            onClick={start}
          >
            Start
          </Button>
          <Button variant="danger" id="eval-stop" disabled={!running} onClick={stop}>
            Stop
          </Button>
        </div>
      </Panel>
      <Panel id="eval-run" title="Run">
        <EvalProgress run={run} />
        <Table
          id="eval-attempts"
          columns={['Task', 'Perturbation', 'Level', 'Outcome', 'Steps', 'Time', 'Why', 'Recording']}
          empty={run && run.attempts.length > 0 ? null : 'No attempts yet.'}
        >
          {run?.attempts.map((a, i) => (
            <tr key={i} data-task={a.task} data-outcome={a.outcome}>
              <td>{a.repeat > 1 ? `${a.task} #${a.repeat}` : a.task}</td>
              <td>{a.perturbation}</td>
              <td>{a.level}</td>
              <td>
                <Badge tone={a.outcome === 'success' ? 'finished' : 'failed'}>{a.outcome}</Badge>
              </td>
              <td>{a.steps}</td>
              <td>{`${(a.ms / 1000).toFixed(1)} s`}</td>
              <td class="muted">
                {a.reason || `${a.checks.filter((c) => c.pass).length} / ${a.checks.length} checks passed`}
              </td>
              <td>{a.recordingId !== null ? `#${a.recordingId}` : '—'}</td>
            </tr>
          ))}
        </Table>
      </Panel>
    </div>
  );
}

function EvalProgress({ run }: { run: EvalRunDto | null }) {
  if (!run)
    return (
      <p class="muted" id="eval-status">
        No eval yet in this session.
      </p>
    );
  const done = run.attempts.length;
  return (
    <div id="eval-progress">
      <p id="eval-status" aria-live="polite">
        <Badge tone={run.status === 'done' ? 'finished' : run.status === 'running' ? 'running' : 'failed'}>
          {run.status}
        </Badge>
        {` ${run.suite} · ${run.agent} · started ${time(run.startedAt)}`}
        <span class="block" id="eval-message">
          {run.message}
        </span>
      </p>
      <label for="eval-bar">{`${done} of ${run.total} attempts, ${run.successes} succeeded`}</label>
      <progress id="eval-bar" max={run.total} value={done} />
      {run.reportHtml ? (
        <p>
          {'Report: '}
          <code id="eval-report">{run.reportHtml}</code>
          <span class="muted small block">
            Open it in a browser: the summary, success per level and perturbation, and each attempt’s trajectory.
          </span>
        </p>
      ) : (
        <p class="muted small">{`Report folder: ${run.reportDir}`}</p>
      )}
    </div>
  );
}
