import type { ComponentChildren } from 'preact';
import { useEffect, useLayoutEffect, useRef, useState } from 'preact/hooks';
import type { ApiTransport, ReplayStepDto, ReplaySummaryDto, StepDto, TrajectoryDto } from '../../api/contract.js';
import { replayStepOk } from '../../core/replay-report.js';
import { ms, timingsLine } from '../format.js';
import { FrameImage } from './FrameImage.js';

/**
 * One recording, step by step: frame (raw or marked), action, element, window, description and
 * thought; for a replay, what became of each step (outcome, grounder, score, verified, retried,
 * settle time, the error or the unexpected window) and the replay's summary; for an agent run,
 * the step's timings. ←/→, Home/End move, Esc goes back.
 *
 * The look is the HTML export's trajectory viewer (`src/viewer/trajectory.css`, `tv-*` classes),
 * which the renderer's style sheet carries: one viewer look for the app and the export.
 */
export function TrajectoryViewer(props: {
  api: ApiTransport;
  traj: TrajectoryDto;
  startStep: number;
  onBack: () => void;
  /** Told the step shown, so that a reopened recording comes back to it. */
  onStep?: (index: number) => void;
}) {
  const { api, traj } = props;
  const rec = traj.recording;
  const count = traj.steps.length;
  const clamp = (i: number) => Math.max(0, Math.min(count - 1, i));
  const [index, setIndex] = useState(() => clamp(props.startStep));
  const [marked, setMarked] = useState(false);
  const stepList = useRef<HTMLOListElement>(null);
  const go = (i: number) => count > 0 && setIndex(clamp(i));

  const back = useRef(props.onBack);
  back.current = props.onBack;
  useEffect(() => {
    const onKey = (e: KeyboardEvent) => {
      const t = e.target as HTMLElement | null;
      if (t && /^(INPUT|TEXTAREA|SELECT)$/.test(t.tagName) && t.id !== 'show-marked') return;
      if (count === 0 && e.key !== 'Escape') return;
      if (e.key === 'ArrowRight') setIndex((i) => clamp(i + 1));
      else if (e.key === 'ArrowLeft') setIndex((i) => clamp(i - 1));
      else if (e.key === 'Home') setIndex(0);
      else if (e.key === 'End') setIndex(count - 1);
      else if (e.key === 'Escape') back.current();
      else return;
      e.preventDefault();
    };
    document.addEventListener('keydown', onKey);
    return () => document.removeEventListener('keydown', onKey);
  }, [count]);
  useEffect(() => {
    props.onStep?.(index);
    // Scrolls the step list, never the page (as the export's viewer does).
    const list = stepList.current;
    const el = list?.querySelector<HTMLElement>('[aria-current="step"]')?.parentElement;
    if (list && el) {
      if (el.offsetTop < list.scrollTop) list.scrollTop = el.offsetTop;
      else if (el.offsetTop + el.offsetHeight > list.scrollTop + list.clientHeight)
        list.scrollTop = el.offsetTop + el.offsetHeight - list.clientHeight;
    }
  }, [index]);

  const step = traj.steps[index];
  return (
    <section class="tv tv-embedded" aria-labelledby="viewer-title" id="viewer">
      <header class="tv-header">
        <div class="tv-toolbar">
          <TvButton id="viewer-back" onClick={props.onBack}>
            ← Recordings
          </TvButton>
          <h2 class="tv-title" id="viewer-title">{`#${rec.id} ${rec.name}`}</h2>
          <span class={`tv-badge tv-status-${rec.status}`}>{rec.status}</span>
          <span class="tv-badge">{`${rec.kind} · ${rec.mode} · ${rec.stage}`}</span>
        </div>
        <p class="tv-meta">{rec.description ?? 'No description.'}</p>
        {traj.replay ? <ReplaySummary summary={traj.replay} /> : null}
      </header>
      {count === 0 || !step ? (
        <p class="tv-meta tv-empty">This recording has no actions.</p>
      ) : (
        <div class="tv-main">
          <section class="tv-viewer" aria-label="Screenshot">
            <div class="tv-toolbar" role="toolbar" aria-label="Step navigation">
              <TvButton id="step-prev" disabled={index === 0} onClick={() => go(index - 1)}>
                ◀ Prev
              </TvButton>
              <span class="tv-counter" id="step-position" aria-live="polite">
                {`Step ${index + 1} of ${count}`}
              </span>
              <TvButton id="step-next" disabled={index === count - 1} onClick={() => go(index + 1)}>
                Next ▶
              </TvButton>
              <input
                type="checkbox"
                id="show-marked"
                checked={marked}
                onChange={(e) => setMarked(e.currentTarget.checked)}
              />
              <label for="show-marked">marked frame (when refined)</label>
              <span class="tv-hint">
                <kbd>←</kbd> <kbd>→</kbd> step · <kbd>Home</kbd> <kbd>End</kbd> · <kbd>Esc</kbd> back
              </span>
            </div>
            <StepFrame api={api} step={step} marked={marked} />
          </section>
          <aside class="tv-side">
            <StepDetails step={step} />
            <nav class="tv-steps" aria-label="Steps">
              <h3 class="tv-heading">Steps</h3>
              <ol class="tv-step-list steps" ref={stepList}>
                {traj.steps.map((s, i) => (
                  <li key={i}>
                    <button
                      type="button"
                      class="tv-button tv-step tv-step-text"
                      aria-current={i === index ? 'step' : undefined}
                      onClick={() => go(i)}
                    >
                      <span class="tv-step-time">
                        {`${s.seq}`}
                        {s.replay ? (
                          <>
                            {' '}
                            <OutcomeBadge step={s.replay} />
                          </>
                        ) : null}
                      </span>
                      <span class="tv-step-action">{s.action}</span>
                    </button>
                  </li>
                ))}
              </ol>
            </nav>
          </aside>
        </div>
      )}
    </section>
  );
}

function TvButton(props: { id?: string; disabled?: boolean; onClick: () => void; children: ComponentChildren }) {
  return (
    <button type="button" class="tv-button" id={props.id} disabled={props.disabled} onClick={props.onClick}>
      {props.children}
    </button>
  );
}

/** The frame fitted into the space left (as the export's viewer fits it), or a line saying there is none. */
function StepFrame({ api, step, marked }: { api: ApiTransport; step: StepDto; marked: boolean }) {
  const frame = marked && step.markedFrame ? step.markedFrame : step.frame;
  const viewport = useRef<HTMLDivElement>(null);
  const [box, setBox] = useState<{ width: number; height: number } | null>(null);
  useLayoutEffect(() => {
    const el = viewport.current;
    if (!el || !frame) return;
    const fit = () => {
      const k = Math.min(el.clientWidth / frame.width, el.clientHeight / frame.height);
      if (k > 0) setBox({ width: Math.floor(frame.width * k), height: Math.floor(frame.height * k) });
    };
    fit();
    const observer = new ResizeObserver(fit);
    observer.observe(el);
    return () => observer.disconnect();
  }, [frame?.width, frame?.height]);
  return (
    <div class="tv-viewport" ref={viewport}>
      <figure
        class="tv-stage"
        style={frame && box ? { width: `${box.width}px`, height: `${box.height}px` } : undefined}
      >
        {frame ? (
          <FrameImage
            api={api}
            frame={frame}
            id="frame-image"
            class="tv-frame"
            alt={`Screen before step ${step.seq}: ${step.action}`}
          />
        ) : (
          <p class="tv-noframe">No frame for this step.</p>
        )}
      </figure>
    </div>
  );
}

function StepDetails({ step }: { step: StepDto }) {
  const element = step.element
    ? `${step.element.name || '(unknown)'}${step.element.role ? ` — ${step.element.role}` : ''}`
    : null;
  const rows: [string, ComponentChildren, string][] = [
    ['Action', step.action && <code class="tv-code">{step.action}</code>, 'step-action'],
    ['Element', element, 'step-element'],
    ['Window', [step.appName, step.windowTitle].filter(Boolean).join(' — '), 'step-window'],
    ['Description', step.description, 'step-description'],
  ];
  if (step.timings) rows.push(['Timings', timingsLine(step.timings), 'step-timings']);
  return (
    <section class="tv-details" aria-label="Step details" id="step-details">
      <h3 class="tv-heading">Thought</h3>
      <p class={step.thought ? 'tv-thought' : 'tv-thought tv-thought-none'} id="step-thought">
        {step.thought || 'No thought recorded for this step.'}
      </p>
      {step.replay ? <ReplayStepReport step={step.replay} /> : null}
      <Fields rows={rows} />
    </section>
  );
}

function Fields({ rows, id }: { rows: [string, ComponentChildren, string][]; id?: string }) {
  return (
    <dl class="tv-fields" id={id}>
      {rows.map(([label, value, key]) => [
        <dt key={`${key}-t`}>{label}</dt>,
        <dd key={key} id={key}>
          {value === null || value === undefined || value === '' ? '—' : value}
        </dd>,
      ])}
    </dl>
  );
}

const OUTCOME_TEXT: Record<ReplayStepDto['outcome'], string> = {
  done: 'done',
  found: 'found',
  'not-found': 'not found',
  'no-description': 'no description',
  'no-effect': 'no effect',
  'unexpected-window': 'unexpected window',
  failed: 'failed',
};

function OutcomeBadge({ step, id }: { step: ReplayStepDto; id?: string }) {
  return (
    <span
      class={`tv-badge ${replayStepOk(step.outcome) ? 'tv-badge-ok' : 'tv-badge-warn'}`}
      id={id}
      data-outcome={step.outcome}
    >
      {OUTCOME_TEXT[step.outcome]}
    </span>
  );
}

const yesNo = (v: boolean | undefined) => (v === undefined ? null : v ? 'yes' : 'no');

/** What became of one replayed step. */
function ReplayStepReport({ step }: { step: ReplayStepDto }) {
  const problem = step.window
    ? `${step.window.title}${step.window.buttons?.length ? ` (buttons: ${step.window.buttons.join(', ')})` : ''}`
    : null;
  const rows: [string, ComponentChildren, string][] = [
    ['Outcome', <OutcomeBadge step={step} id="replay-outcome" />, 'replay-outcome-row'],
    ['Grounder', step.grounder, 'replay-grounder'],
    ['Score', step.score === undefined ? null : step.score.toFixed(2), 'replay-score'],
    ['Verified', yesNo(step.verified), 'replay-verified'],
    ['Retried', yesNo(step.retried), 'replay-retried'],
    ['Settle', ms(step.settleMs), 'replay-settle'],
    ['Took', ms(step.ms), 'replay-ms'],
  ];
  if (step.point) rows.push(['Clicked', `(${step.point.x}, ${step.point.y})`, 'replay-point']);
  if (problem) rows.push(['Unexpected window', problem, 'replay-window']);
  if (step.error) rows.push(['Error', step.error, 'replay-error']);
  if (step.candidates?.length)
    rows.push([
      'Candidates',
      step.candidates.map((c) => `${c.text} (${c.score.toFixed(2)})`).join('; '),
      'replay-candidates',
    ]);
  return (
    <section class="tv-report" aria-label="Replay of this step">
      <h3 class="tv-heading">Replay</h3>
      <Fields rows={rows} id="replay-step" />
    </section>
  );
}

/** A replay as a whole: steps run, verified, and where it stopped and why. */
function ReplaySummary({ summary: r }: { summary: ReplaySummaryDto }) {
  const of = r.total !== null ? ` of ${r.total}` : '';
  const parts = [
    `${r.steps}${of} steps replayed`,
    `${r.found} grounded`,
    `${r.verified} verified`,
    ...(r.retried ? [`${r.retried} retried`] : []),
    ...(r.mode ? [`mode ${r.mode}`] : []),
    ...(r.grounder ? [`grounder ${r.grounder}`] : []),
  ];
  const verdict = r.running
    ? 'running'
    : r.stoppedAt
      ? `stopped at step ${r.stoppedAt.step}: ${r.stoppedAt.reason}`
      : r.completed
        ? 'completed'
        : 'not completed';
  return (
    <div class="tv-summary" id="replay-summary">
      <p class="tv-meta" id="replay-counts">
        {`Replay${r.sourceId !== null ? ` of recording #${r.sourceId}` : ''}: ${parts.join(' · ')}`}
      </p>
      <p class={r.completed ? 'tv-verdict tv-verdict-ok' : 'tv-verdict tv-verdict-bad'} id="replay-verdict">
        {verdict}
      </p>
    </div>
  );
}
