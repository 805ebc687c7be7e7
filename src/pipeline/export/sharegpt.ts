/**
 * `pcagent export --format sharegpt`: multimodal supervised fine-tuning data as LLaMA-Factory
 * reads it. One JSON line per step in `pcagent.jsonl`:
 *
 *   {"messages": [{"role": "system", "content": <planner system prompt>},
 *                 {"role": "user", "content": <task + ≤ 10 earlier steps>\n<image>},
 *                 {"role": "assistant", "content": "<thought>\n\nAction: <planner form>"}],
 *    "images": ["images/<recording>_r<id>_<seq>.png"]}
 *
 * The prompt is the agents' planner prompt (src/agents/planner/prompt.ts), so training and run
 * time agree. There is one `<image>` placeholder per entry of `images` (none for a step without a
 * frame). Image paths are relative to the output folder, which is LLaMA-Factory's dataset folder:
 * `dataset_info.json` there gets (or has merged into it) the entry that declares the file.
 */
import fs from 'node:fs';
import path from 'node:path';
import { plannerSystemPrompt, plannerTarget, plannerUserPrompt } from '../../agents/planner/prompt.js';
import type { Frame } from '../../library/library.js';
import { type ExportStep, stepImageName } from './steps.js';
import { type FormatWriter, type RecordingInput, type RecordingResult, tempPath } from './writer.js';

export const SHAREGPT_FILE = 'pcagent.jsonl';
export const SHAREGPT_DATASET = 'pcagent';
export const DATASET_INFO_FILE = 'dataset_info.json';
export const IMAGES_DIR = 'images';
/** LLaMA-Factory's image placeholder. */
export const IMAGE_TOKEN = '<image>';

/** The `dataset_info.json` entry of the export (LLaMA-Factory's sharegpt with OpenAI-style roles). */
export const DATASET_INFO_ENTRY = {
  file_name: SHAREGPT_FILE,
  formatting: 'sharegpt',
  columns: { messages: 'messages', images: 'images' },
  tags: {
    role_tag: 'role',
    content_tag: 'content',
    user_tag: 'user',
    assistant_tag: 'assistant',
    system_tag: 'system',
  },
} as const;

export interface ShareGptMessage {
  role: 'system' | 'user' | 'assistant';
  content: string;
}

export interface ShareGptRecord {
  messages: ShareGptMessage[];
  images: string[];
}

/** The training record of one step; `image` is the image's path in the dataset, or null. */
export function shareGptRecord(step: ExportStep, image: string | null): ShareGptRecord {
  const prompt = plannerUserPrompt({ task: step.task, history: step.history, firstStep: step.historyStart });
  return {
    messages: [
      { role: 'system', content: plannerSystemPrompt() },
      { role: 'user', content: image === null ? prompt : `${prompt}\n${IMAGE_TOKEN}` },
      { role: 'assistant', content: plannerTarget({ thought: step.thought, action: step.planner.text }) },
    ],
    images: image === null ? [] : [image],
  };
}

export class ShareGptWriter implements FormatWriter {
  private readonly jsonl: string;
  private readonly tmp: string;
  private fd: number | null;
  private readonly info: Record<string, unknown>;

  constructor(private readonly out: string) {
    // Read first: a dataset_info.json we must not overwrite stops the export before any work.
    this.info = readDatasetInfo(out);
    fs.mkdirSync(path.join(out, IMAGES_DIR), { recursive: true });
    this.jsonl = path.join(out, SHAREGPT_FILE);
    this.tmp = tempPath(this.jsonl);
    this.fd = fs.openSync(this.tmp, 'w');
  }

  async add({ lib, steps, stem, result, onStep }: RecordingInput): Promise<RecordingResult> {
    const copied = new Map<number, string>();
    const place = async (step: ExportStep, frame: Frame): Promise<string> => {
      const known = copied.get(frame.id);
      if (known) return known;
      const rel = `${IMAGES_DIR}/${stepImageName(stem, step, frame)}`;
      await fs.promises.copyFile(
        lib.absolutePath(frame.path),
        path.join(this.out, ...rel.split('/')),
        fs.constants.COPYFILE_FICLONE,
      );
      copied.set(frame.id, rel);
      result.images++;
      return rel;
    };
    let lines = '';
    for (const step of steps) {
      const image = step.frame ? await place(step, step.frame) : null;
      lines += `${JSON.stringify(shareGptRecord(step, image))}\n`;
      onStep();
    }
    fs.writeSync(this.fd!, lines);
    return result;
  }

  async finish(): Promise<string[]> {
    fs.fsyncSync(this.fd!);
    fs.closeSync(this.fd!);
    this.fd = null;
    fs.renameSync(this.tmp, this.jsonl);
    return [this.jsonl, writeDatasetInfo(this.out, this.info)];
  }

  abort(): void {
    if (this.fd !== null) fs.closeSync(this.fd);
    this.fd = null;
    fs.rmSync(this.tmp, { force: true });
  }
}

/**
 * The current `dataset_info.json` of the output folder ({} when there is none). The folder may be
 * LLaMA-Factory's own `data/` folder, so the other entries are kept; a file that is not a JSON
 * object is refused rather than overwritten.
 */
export function readDatasetInfo(out: string): Record<string, unknown> {
  const file = path.join(out, DATASET_INFO_FILE);
  if (!fs.existsSync(file)) return {};
  let parsed: unknown;
  try {
    parsed = JSON.parse(fs.readFileSync(file, 'utf8'));
  } catch (err) {
    throw new Error(`${file} exists but is not valid JSON (${(err as Error).message}); it was left untouched`);
  }
  if (parsed === null || typeof parsed !== 'object' || Array.isArray(parsed)) {
    throw new Error(`${file} exists but is not a JSON object; it was left untouched`);
  }
  return parsed as Record<string, unknown>;
}

/** Writes `dataset_info.json`: `info` with the export's entry set. */
export function writeDatasetInfo(out: string, info: Record<string, unknown> = readDatasetInfo(out)): string {
  const file = path.join(out, DATASET_INFO_FILE);
  info = { ...info, [SHAREGPT_DATASET]: DATASET_INFO_ENTRY };
  const tmp = tempPath(file);
  fs.writeFileSync(tmp, `${JSON.stringify(info, null, 2)}\n`);
  fs.renameSync(tmp, file);
  return file;
}
