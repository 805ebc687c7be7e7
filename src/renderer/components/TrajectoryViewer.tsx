import { useEffect, useRef, useState } from 'preact/hooks';
import type { ApiTransport, StepDto, TrajectoryDto } from '../../api/contract.js';
import { Badge } from './Badge.js';
import { Button } from './Button.js';
import { FrameImage } from './FrameImage.js';

/**
 * One recording, step by step: frame (raw or marked), action, element, window, description and
 * thought; ←/→, Home/End move, Esc goes back. The library opens recordings in it; a replay
 * report can show its recording the same way.
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
    stepList.current?.querySelector('[aria-current="step"]')?.scrollIntoView({ block: 'nearest' });
  }, [index]);

  return (
    <section class="panel" aria-labelledby="viewer-title" id="viewer">
      <div class="row">
        <Button id="viewer-back" onClick={props.onBack}>
          ← Recordings
        </Button>
        <h2 id="viewer-title">{`#${rec.id} ${rec.name}`}</h2>
        <Badge tone={rec.status}>{rec.status}</Badge>
        <Badge>{`${rec.mode} · ${rec.stage}`}</Badge>
      </div>
      <p class="task-text">{rec.description ?? <span class="muted">No description.</span>}</p>
      {count === 0 ? (
        <p class="muted">This recording has no actions.</p>
      ) : (
        <div class="viewer">
          <StepFrame api={api} step={traj.steps[index]!} marked={marked} />
          <div>
            <div class="row">
              <Button id="step-prev" disabled={index === 0} onClick={() => go(index - 1)}>
                ← Previous
              </Button>
              <span id="step-position" aria-live="polite">
                {`Step ${index + 1} of ${count}`}
              </span>
              <Button id="step-next" disabled={index === count - 1} onClick={() => go(index + 1)}>
                Next →
              </Button>
            </div>
            <div class="row">
              <input
                type="checkbox"
                id="show-marked"
                checked={marked}
                onChange={(e) => setMarked(e.currentTarget.checked)}
              />
              <label for="show-marked">marked frame (when refined)</label>
            </div>
            <StepDetails step={traj.steps[index]!} />
            <p class="muted">Keys: ← → move, Home / End, Esc back.</p>
            <ol class="steps" aria-label="Steps" ref={stepList}>
              {traj.steps.map((s, i) => (
                <li key={i}>
                  <button type="button" aria-current={i === index ? 'step' : undefined} onClick={() => go(i)}>
                    {`${s.seq}. ${s.action}`}
                  </button>
                </li>
              ))}
            </ol>
          </div>
        </div>
      )}
    </section>
  );
}

function StepFrame({ api, step, marked }: { api: ApiTransport; step: StepDto; marked: boolean }) {
  const frame = marked && step.markedFrame ? step.markedFrame : step.frame;
  return (
    <div class="frame">
      {frame ? (
        <FrameImage api={api} frame={frame} id="frame-image" alt={`Screen before step ${step.seq}: ${step.action}`} />
      ) : (
        <div class="none muted">No frame for this step.</div>
      )}
    </div>
  );
}

function StepDetails({ step }: { step: StepDto }) {
  const element = step.element
    ? `${step.element.name || '(unknown)'}${step.element.role ? ` — ${step.element.role}` : ''}`
    : null;
  const rows: [string, string | null | undefined, string][] = [
    ['Action', step.action, 'step-action'],
    ['Element', element, 'step-element'],
    ['Window', [step.appName, step.windowTitle].filter(Boolean).join(' — '), 'step-window'],
    ['Description', step.description, 'step-description'],
    ['Thought', step.thought, 'step-thought'],
  ];
  return (
    <dl class="step" id="step-details">
      {rows.map(([label, value, id]) => [
        <dt key={`${id}-t`}>{label}</dt>,
        <dd key={id} id={id}>
          {value ? value : <span class="muted">—</span>}
        </dd>,
      ])}
    </dl>
  );
}
