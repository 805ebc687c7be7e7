import { z } from 'zod';
import { TASK_LEVELS } from '../../core/vocabulary.js';

/** `source` of a recording imported from a pc-tracker folder: this prefix, then the JSONL path. */
export const PC_TRACKER_SOURCE = 'pc-tracker:';

/** One line of a pc-tracker JSONL file (SPEC §2.1 "Reference storage"). Unknown keys are kept. */
export const RectSchema = z.object({
  left: z.number(),
  top: z.number(),
  right: z.number(),
  bottom: z.number(),
});

export const TrackerLineSchema = z.looseObject({
  timestamp: z.string().regex(/^\d{4}-\d{2}-\d{2}_\d{2}:\d{2}:\d{2}$/, 'expected "YYYY-MM-DD_HH:MM:SS"'),
  action: z.string().min(1),
  screenshot: z.string().min(1).nullable().optional(),
  element: z.string().nullable().optional(),
  rect: RectSchema.nullable().optional(),
  marked_screenshot: z.string().nullable().optional(),
  action_description: z.string().nullable().optional(),
  action_description_checked: z.string().nullable().optional(),
  thought: z.string().nullable().optional(),
});
export type TrackerLine = z.infer<typeof TrackerLineSchema>;

/** Keys the importer maps onto library columns; everything else goes to `extra`. */
export const KNOWN_LINE_KEYS = new Set([
  'timestamp',
  'action',
  'screenshot',
  'element',
  'rect',
  'marked_screenshot',
  'action_description',
  'action_description_checked',
  'thought',
]);

/** `tasks.json`: the given-task list of the reference tracker. */
export const TasksFileSchema = z.array(
  z.looseObject({
    task: z.string().min(1),
    level: z.enum(TASK_LEVELS).nullable().optional(),
    file_input: z.boolean().optional(),
    category: z.string().nullable().optional(),
    finished: z.boolean().optional(),
    bad: z.boolean().optional(),
  }),
);
export type TasksFile = z.infer<typeof TasksFileSchema>;

/** Formats the first zod issue as "field: message". */
export function describeZodError(error: z.ZodError): string {
  const issue = error.issues[0];
  if (!issue) return 'invalid value';
  const where = issue.path.length ? issue.path.join('.') : 'line';
  return `${where}: ${issue.message}`;
}
