import type {
  ApiEventName,
  ApiEvents,
  ApiHandlers,
  ApiMethod,
  FrameDto,
  RecordingDto,
  TaskDto,
} from '../api/contract.js';
import { findFrame } from '../library/frame-lookup.js';
import type { Frame, Library, Recording, Task } from '../library/library.js';

/** The handlers of one area of the API (`tracker.*`, `agent.*`, …). */
export type HandlersOf<P extends string> = Pick<ApiHandlers, Extract<ApiMethod, `${P}.${string}`>>;

export type EventListener = <E extends ApiEventName>(event: E, payload: ApiEvents[E]) => void;

/** What every area's handlers share: the library, and the event channel to the renderer. */
export interface BackendContext {
  readonly lib: Library;
  emit<E extends ApiEventName>(event: E, payload: ApiEvents[E]): void;
  /** Tells the renderer the library changed (and the tracker state with it). */
  libraryChanged(recordingId: number | null): void;
  /** Run when the back end closes (stop a live recording, an agent run, jobs). */
  onClose(fn: () => Promise<void> | void): void;
  /**
   * Takes the screen and input for `owner` (a live recording, an agent run): a second owner
   * would record the agent's input, or act while a person is recorded. Throws naming the
   * current owner; returns the release.
   */
  claimScreen(owner: string): () => void;
}

export function taskDto(t: Task): TaskDto {
  return { id: t.id, description: t.description, level: t.level, category: t.category, status: t.status };
}

export function frameDto(f: Frame | null): FrameDto | null {
  return f && { id: f.id, width: f.width, height: f.height, role: f.role };
}

export function recordingDto(lib: Library, r: Recording): RecordingDto {
  return {
    id: r.id,
    kind: r.kind,
    mode: r.mode,
    stage: r.stage,
    name: r.name,
    taskId: r.taskId,
    description: r.description,
    level: r.level,
    status: r.status,
    startedAt: r.startedAt,
    endedAt: r.endedAt,
    source: r.source,
    parentId: r.parentId,
    actions: lib.countActions(r.id),
  };
}

/** A frame row by id, or null when it is gone (a frame file is optional for the viewer). */
export const frameOrNull = findFrame;
