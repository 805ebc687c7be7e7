import type { Action } from '../core/actions.js';
import { formatAction } from '../core/grammar.js';
import { frameLookup } from '../library/frame-lookup.js';
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
      return {
        recording: recordingDto(lib, recording),
        steps: lib.listActions(id).map((a) => ({
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
        })),
      };
    },
    'library.listTasks': ({ status }) => lib.listTasks(status).map(taskDto),
  };
}
