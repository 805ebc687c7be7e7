import fs from 'node:fs';
import path from 'node:path';
import { isClick } from '../../core/actions.js';
import { formatAction } from '../../core/grammar.js';
import { formatCompactTimestamp, formatTimestamp } from '../../core/wall-clock.js';
import { copyFileAtomic, writeTextAtomic } from '../../library/atomic-file.js';
import { frameLookup } from '../../library/frame-lookup.js';
import type { ActionRecord, Library, Recording } from '../../library/library.js';
import { formatActionDescription, formatCheckVerdict } from './completed-fields.js';
import { interchangeText } from './interchange-text.js';
import { type MarkdownStep, renderMarkdown } from './markdown.js';
import { pythonJson } from './python-json.js';

export const SCREENSHOT_DIR = 'screenshot';

export interface ExportedRecording {
  id: number;
  jsonl: string;
  markdown: string;
  actions: number;
  screenshots: number;
}

/** The reference's Markdown "Output" line: clicks name their element. */
function outputText(a: ActionRecord): string {
  const action = a.action;
  if (isClick(action) && action.at && a.element) {
    const verb = formatAction({ kind: action.kind, at: action.at }, 'recorded').replace(/ \(.*$/, '');
    return `${verb} element ${a.element.name} at (${action.at.x}, ${action.at.y})`;
  }
  return interchangeText(action);
}

/**
 * Writes one recording in the pc-tracker format: `<name>.jsonl`, `<name>.md` and its frames under
 * `screenshot/`, named `<YYYYMMDD_HHMMSS>_<n>.png` (and `_marked`) as the reference names them.
 * Only one recording is held in memory at a time, so exports stream.
 */
export function exportTrackerRecording(lib: Library, recording: Recording, outDir: string): ExportedRecording {
  const shotDir = path.join(outDir, SCREENSHOT_DIR);
  fs.mkdirSync(shotDir, { recursive: true });
  const actions = lib.listActions(recording.id);
  const frameOf = frameLookup(lib, recording.id);
  const lines: string[] = [];
  const steps: MarkdownStep[] = [];
  let screenshots = 0;
  // A completed recording is written as the reference's completion pass writes it: the three
  // fields on every step, non-ASCII text unescaped (`ensure_ascii=False`).
  const completed = actions.some((a) => a.description || a.check || a.thought);

  const place = (frameId: number | null, base: string): string | null => {
    // A refined recording reuses the raw recording's unchanged frames.
    const frame = frameOf(frameId);
    if (!frame) return null;
    const rel = `${SCREENSHOT_DIR}/${base}.${frame.format === 'jpeg' ? 'jpg' : frame.format}`;
    copyFileAtomic(lib.absolutePath(frame.path), path.join(outDir, ...rel.split('/')));
    screenshots++;
    return rel;
  };

  for (const a of actions) {
    const base = `${formatCompactTimestamp(a.time, recording.utcOffsetMin)}_${a.seq}`;
    const screenshot = place(a.frameId, base);
    const marked =
      a.markedFrameId === null
        ? undefined
        : a.markedFrameId === a.frameId
          ? screenshot
          : place(a.markedFrameId, `${base}_marked`);
    const timestamp = formatTimestamp(a.time, recording.utcOffsetMin);
    const line: Record<string, unknown> = {
      timestamp,
      action: interchangeText(a.action),
      screenshot,
      element: a.element ? a.element.name : null,
      rect: a.element?.rect ?? null,
      marked_screenshot: marked,
      // The completion pass appends its fields after the tracker's own keys.
      ...a.extra,
      ...(completed
        ? {
            action_description: formatActionDescription(a.action, a.description?.text ?? null),
            action_description_checked: formatCheckVerdict(
              a.action,
              a.check?.text ?? null,
              a.description?.text ?? null,
            ),
            thought: a.thought?.text,
          }
        : {}),
    };
    lines.push(pythonJson(line, !completed));
    steps.push({
      timestamp,
      image: marked ?? screenshot,
      output: outputText(a),
      actionDescription: a.description?.text ?? null,
      thought: a.thought?.text ?? null,
    });
  }
  const jsonl = path.join(outDir, `${recording.name}.jsonl`);
  const markdown = path.join(outDir, `${recording.name}.md`);
  writeTextAtomic(jsonl, lines.map((l) => `${l}\n`).join(''));
  writeTextAtomic(markdown, renderMarkdown(recording.mode, recording.description, recording.level, steps));
  return { id: recording.id, jsonl, markdown, actions: actions.length, screenshots };
}
