/**
 * `pcagent export --format parquet`: one row per step, image bytes embedded, in the layout the
 * Hugging Face `datasets` library loads as an Image feature: an `image` column that is a struct
 * `{bytes: binary, path: string}`, plus the `huggingface` key-value metadata that declares the
 * features (`datasets` takes a column's feature from it only when the Arrow field matches the
 * feature's own type exactly, hence every column OPTIONAL, as `datasets` writes them).
 *
 * Streaming: rows are buffered up to ROW_GROUP_ROWS rows or ROW_GROUP_BYTES of image data, then
 * written as one row group (hyparquet-writer's ParquetWriter appends row groups to a file), so
 * memory stays flat in the number of recordings. Images are stored uncompressed (PNG/WebP/JPEG are
 * compressed already) with PLAIN encoding and no statistics; text columns use Snappy.
 */
import fs from 'node:fs';
import path from 'node:path';
import { fileWriter, ParquetWriter } from 'hyparquet-writer';
import { plannerSystemPrompt, plannerTarget, plannerUserPrompt } from '../../agents/planner/prompt.js';
import type { Action } from '../../core/actions.js';
import { type ExportStep, stepImageName } from './steps.js';
import { type FormatWriter, type RecordingInput, type RecordingResult, tempPath } from './writer.js';

export const PARQUET_FILE = 'pcagent.parquet';
/** Hugging Face's advice for image datasets: small row groups (≈ 100 rows). */
export const ROW_GROUP_ROWS = 100;
export const ROW_GROUP_BYTES = 64 * 2 ** 20;

type ColumnType = 'string' | 'int32' | 'int64' | 'bool';
/** hyparquet-writer's schema element (it bundles its own hyparquet types). */
type SchemaElement = ConstructorParameters<typeof ParquetWriter>[0]['schema'][number];

/** The scalar columns, in file order, after `image`. */
export const COLUMNS = {
  recording_id: 'int32',
  recording_name: 'string',
  stage: 'string',
  /** 0-based step index in the recording; `seq` is the action's own sequence number. */
  step: 'int32',
  seq: 'int32',
  steps: 'int32',
  task: 'string',
  /** The action as the pc-tracker format writes it (recorded form). */
  action: 'string',
  kind: 'string',
  /** The planner form (recorded form when `complete` is false). */
  planner_action: 'string',
  complete: 'bool',
  thought: 'string',
  thought_source: 'string',
  description: 'string',
  description_source: 'string',
  check: 'string',
  element: 'string',
  element_role: 'string',
  element_left: 'int32',
  element_top: 'int32',
  element_right: 'int32',
  element_bottom: 'int32',
  /** Click point, drag start or press point; x2/y2 the drag's end. */
  x: 'int32',
  y: 'int32',
  x2: 'int32',
  y2: 'int32',
  scroll_dx: 'int32',
  scroll_dy: 'int32',
  text: 'string',
  keys: 'string',
  window_title: 'string',
  app_name: 'string',
  /** Epoch milliseconds; elapsed since the recording's first step. */
  time_ms: 'int64',
  elapsed_ms: 'int64',
  image_width: 'int32',
  image_height: 'int32',
  /** Whether `image` is the marked copy. */
  image_marked: 'bool',
  /** JSON: [{thought, action}] of the ≤ 10 earlier steps. */
  history: 'string',
  /** The planner conversation of the step: system, user (the screenshot follows it), target. */
  system_prompt: 'string',
  prompt: 'string',
  target: 'string',
} as const satisfies Record<string, ColumnType>;

export type ColumnName = keyof typeof COLUMNS;
type Row = Record<ColumnName, string | number | bigint | boolean | null> & {
  image: { bytes: Uint8Array; path: string } | null;
};

const PHYSICAL: Record<ColumnType, SchemaElement> = {
  string: { name: '', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
  int32: { name: '', type: 'INT32', repetition_type: 'OPTIONAL' },
  int64: { name: '', type: 'INT64', repetition_type: 'OPTIONAL' },
  bool: { name: '', type: 'BOOLEAN', repetition_type: 'OPTIONAL' },
};

export function parquetSchema(): SchemaElement[] {
  const names = Object.keys(COLUMNS) as ColumnName[];
  return [
    { name: 'schema', num_children: names.length + 1 },
    { name: 'image', repetition_type: 'OPTIONAL', num_children: 2 },
    { name: 'bytes', type: 'BYTE_ARRAY', repetition_type: 'OPTIONAL' },
    { name: 'path', type: 'BYTE_ARRAY', converted_type: 'UTF8', repetition_type: 'OPTIONAL' },
    ...names.map((name) => ({ ...PHYSICAL[COLUMNS[name]], name })),
  ];
}

/** The `huggingface` metadata `datasets` reads its Features from. */
export function huggingFaceFeatures(): Record<string, unknown> {
  const features: Record<string, unknown> = { image: { _type: 'Image' } };
  for (const [name, type] of Object.entries(COLUMNS)) features[name] = { dtype: type, _type: 'Value' };
  return { info: { features } };
}

function actionFields(
  action: Action,
): Pick<Row, 'x' | 'y' | 'x2' | 'y2' | 'scroll_dx' | 'scroll_dy' | 'text' | 'keys'> {
  const none = { x: null, y: null, x2: null, y2: null, scroll_dx: null, scroll_dy: null, text: null, keys: null };
  switch (action.kind) {
    case 'click':
    case 'right_click':
    case 'double_click':
      return { ...none, x: action.at?.x ?? null, y: action.at?.y ?? null };
    case 'press':
    case 'drag_to':
      return { ...none, x: action.at.x, y: action.at.y };
    case 'drag':
      return { ...none, x: action.from.x, y: action.from.y, x2: action.to.x, y2: action.to.y };
    case 'scroll':
      return { ...none, scroll_dx: action.dx, scroll_dy: action.dy };
    case 'type':
      return { ...none, text: action.text };
    case 'key':
      return { ...none, keys: action.key };
    case 'hotkey':
      return { ...none, keys: action.keys.join('+') };
    default:
      return none;
  }
}

/** One step as a row (without reading the image: `image` is filled by the writer). */
export function parquetRow(step: ExportStep, imagePath: string | null, imageBytes: Uint8Array | null): Row {
  const r = step.record;
  const rect = r.element?.rect ?? null;
  const frame = step.frame;
  return {
    image: imageBytes && imagePath ? { bytes: imageBytes, path: imagePath } : null,
    recording_id: step.recording.id,
    recording_name: step.recording.name,
    stage: step.recording.stage,
    step: step.index,
    seq: r.seq,
    steps: step.count,
    task: step.task,
    action: step.recordedText,
    kind: step.action.kind,
    planner_action: step.planner.text,
    complete: step.planner.complete,
    thought: step.thought,
    thought_source: step.thought === null ? null : (r.thought?.source ?? null),
    description: step.description,
    description_source: step.description === null ? null : (r.description?.source ?? null),
    check: r.check?.text ?? null,
    element: r.element?.name ?? null,
    element_role: r.element?.role ?? null,
    element_left: rect?.left ?? null,
    element_top: rect?.top ?? null,
    element_right: rect?.right ?? null,
    element_bottom: rect?.bottom ?? null,
    ...actionFields(step.action),
    window_title: r.windowTitle,
    app_name: r.appName,
    time_ms: BigInt(r.time),
    elapsed_ms: BigInt(step.elapsedMs),
    image_width: frame?.width ?? null,
    image_height: frame?.height ?? null,
    image_marked: frame === null ? null : frame.id === step.markedFrame?.id,
    history: JSON.stringify(step.history.map((h) => ({ thought: h.thought, action: h.action }))),
    system_prompt: plannerSystemPrompt(),
    prompt: plannerUserPrompt({ task: step.task, history: step.history, firstStep: step.historyStart }),
    target: plannerTarget({ thought: step.thought, action: step.planner.text }),
  };
}

export class ParquetExportWriter implements FormatWriter {
  private readonly file: string;
  private readonly tmp: string;
  private readonly writer: ParquetWriter;
  private rows: Row[] = [];
  private bufferedBytes = 0;
  private written = 0;

  constructor(out: string) {
    fs.mkdirSync(out, { recursive: true });
    this.file = path.join(out, PARQUET_FILE);
    this.tmp = tempPath(this.file);
    this.writer = new ParquetWriter({
      writer: fileWriter(this.tmp),
      schema: parquetSchema(),
      kvMetadata: [{ key: 'huggingface', value: JSON.stringify(huggingFaceFeatures()) }],
      createdBy: 'pcagent export',
    });
  }

  async add({ lib, steps, stem, result, onStep }: RecordingInput): Promise<RecordingResult> {
    for (const step of steps) {
      const frame = step.frame;
      let bytes: Uint8Array | null = null;
      let name: string | null = null;
      if (frame) {
        bytes = await fs.promises.readFile(lib.absolutePath(frame.path));
        name = stepImageName(stem, step, frame);
        result.images++;
        this.bufferedBytes += bytes.byteLength;
      }
      this.rows.push(parquetRow(step, name, bytes));
      if (this.rows.length >= ROW_GROUP_ROWS || this.bufferedBytes >= ROW_GROUP_BYTES) this.flush();
      onStep();
    }
    return result;
  }

  /** Writes the buffered rows as one row group. */
  private flush(): void {
    if (this.rows.length === 0) return;
    const rows = this.rows;
    const columnData = [
      {
        name: 'image',
        data: rows.map((r) => r.image),
        encoding: 'PLAIN' as const,
        codec: 'UNCOMPRESSED' as const,
        statistics: false,
      },
      ...(Object.keys(COLUMNS) as ColumnName[]).map((name) => ({ name, data: rows.map((r) => r[name]) })),
    ];
    void this.writer.write({ columnData, rowGroupSize: rows.length });
    this.written += rows.length;
    this.rows = [];
    this.bufferedBytes = 0;
  }

  async finish(): Promise<string[]> {
    this.flush();
    await this.writer.finish();
    fs.renameSync(this.tmp, this.file);
    return [this.file];
  }

  abort(): void {
    fs.rmSync(this.tmp, { force: true });
  }

  /** Rows written so far (row groups already on disk). */
  get rowsWritten(): number {
    return this.written;
  }
}
