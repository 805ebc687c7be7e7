/**
 * The fields of the library's records that every surface shows: the library's own rows
 * (`src/library/library.ts`) extend them with what only it needs, the API's DTOs
 * (`src/api/contract.ts`) with what the app is told besides. Plain data, no behaviour.
 */
import type * as Words from './vocabulary.js';

export interface TaskFields {
  id: number;
  description: string;
  level: Words.TaskLevel | null;
  category: string | null;
  status: Words.TaskStatus;
}

export interface RecordingFields {
  id: number;
  kind: Words.RecordingKind;
  mode: Words.RecordingMode;
  stage: Words.RecordingStage;
  /** File stem used by the pc-tracker format, e.g. `free_task_20241126_161517`. */
  name: string;
  taskId: number | null;
  description: string | null;
  level: Words.TaskLevel | null;
  status: Words.RecordingStatus;
  startedAt: number;
  endedAt: number | null;
  source: string;
  parentId: number | null;
}
