import {
  type ReplayStepDto,
  type ReplaySummaryDto,
  replayStepSchema,
  type StepDto,
  stepTimingsSchema,
  type StepTimingsDto,
} from '../api/contract.js';
import type { Action } from '../core/actions.js';
import { formatAction } from '../core/grammar.js';
import { replayStop } from '../core/replay-report.js';
import { frameLookup } from '../library/frame-lookup.js';
import type { Library, Recording } from '../library/library.js';
import { type BackendContext, frameDto, type HandlersOf, recordingDto, taskDto } from './context.js';

/** An action in its text form: recorded when it has one, else completed, else planner. */
export function actionText(action: Action): string {
  for (const form of ['recorded', 'completed', 'planner'] as const) {
    try {
      return formatAction(action, form);
    } catch {
      // try the next form
    }
  }
  return action.kind;
}

const field = (extra: Record<string, unknown>, key: string): Record<string, unknown> | undefined => {
  const v = extra[key];
  return v && typeof v === 'object' ? (v as Record<string, unknown>) : undefined;
};

/** The step's replay report (`extra.replay`), or null when there is none or it has another shape. */
export function replayStepOf(extra: Record<string, unknown>): ReplayStepDto | null {
  const parsed = replayStepSchema.safeParse(extra.replay);
  return parsed.success ? parsed.data : null;
}

/** An agent run's step timings (`extra.agent.timings`), or null. */
export function stepTimingsOf(extra: Record<string, unknown>): StepTimingsDto | null {
  const parsed = stepTimingsSchema.safeParse(field(extra, 'agent')?.timings);
  return parsed.success ? parsed.data : null;
}

/** How many actions a recording has, or null when it is gone. */
function actionsOf(lib: Library, id: number): number | null {
  try {
    lib.getRecording(id);
  } catch {
    return null;
  }
  return lib.countActions(id);
}

const text = (v: unknown): string | null => (typeof v === 'string' ? v : null);

/** A replay recording's report as a whole, from its stored steps; null for any other recording. */
export function replaySummary(lib: Library, rec: Recording, steps: readonly StepDto[]): ReplaySummaryDto | null {
  if (rec.kind !== 'agent' || rec.mode !== 'replay') return null;
  const reported = steps.flatMap((s) => (s.replay ? [s.replay] : []));
  const total = rec.parentId !== null ? actionsOf(lib, rec.parentId) : null;
  const running = rec.status === 'recording' || rec.status === 'paused';
  // A replay that ended early without a failed step (the stop button, a crash) stops after its
  // last step; a finished one can only have stopped at a step it stored.
  const ended = rec.status === 'interrupted' ? 'interrupted' : 'stopped';
  const expected = rec.status === 'finished' ? 0 : (total ?? reported.length + 1);
  const stoppedAt = running ? null : replayStop(reported, expected, ended);
  return {
    sourceId: rec.parentId,
    mode: text(rec.meta.mode),
    grounder: text(rec.meta.grounder),
    steps: steps.length,
    total,
    found: reported.filter((s) => s.outcome === 'found').length,
    verified: reported.filter((s) => s.verified === true).length,
    retried: reported.filter((s) => s.retried === true).length,
    running,
    completed: rec.status === 'finished' && stoppedAt === null,
    stoppedAt,
  };
}

/** Reading the library: recordings with filters, a recording's trajectory, the task list. */
export function libraryHandlers({ lib }: BackendContext): HandlersOf<'library'> {
  return {
    'library.listRecordings': (input) => {
      // The app stays open for hours: a recorder that died meanwhile (a `pcagent record` killed
      // elsewhere) shows as interrupted at the next listing, not at the next start.
      lib.recoverInterrupted();
      return lib
        .listRecordings({ kind: input.kind, status: input.status, stage: input.stage, includeDiscarded: true })
        .filter((r) => input.status !== undefined || r.status !== 'discarded')
        .map((r) => recordingDto(lib, r));
    },
    'library.getTrajectory': ({ id }) => {
      const recording = lib.getRecording(id);
      // Frames of a refined recording may belong to its raw parent: look them up by id.
      const frameOf = frameLookup(lib, id);
      const steps = lib.listActions(id).map((a): StepDto => ({
        seq: a.seq,
        time: a.time,
        action: actionText(a.action),
        kind: a.action.kind,
        element: a.element && { name: a.element.name, ...(a.element.role ? { role: a.element.role } : {}) },
        windowTitle: a.windowTitle,
        appName: a.appName,
        description: a.description?.text ?? null,
        thought: a.thought?.text ?? null,
        frame: frameDto(frameOf(a.frameId)),
        markedFrame: frameDto(frameOf(a.markedFrameId)),
        timings: stepTimingsOf(a.extra),
        replay: replayStepOf(a.extra),
      }));
      return { recording: recordingDto(lib, recording), steps, replay: replaySummary(lib, recording, steps) };
    },
    'library.listTasks': ({ status }) => lib.listTasks(status).map(taskDto),
  };
}
