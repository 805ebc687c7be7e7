import fs from 'node:fs';
import path from 'node:path';
import sharp from 'sharp';
import { copyFileAtomic } from '../../library/atomic-file.js';
import type { FrameFormat } from '../../core/vocabulary.js';
import { type Library, type Recording, sha256 } from '../../library/library.js';
import { PC_TRACKER_SOURCE } from './schema.js';
import { readTrackerFolder, type TrackerRecording, TrackerFormatError } from './read.js';

export interface ImportOptions {
  /** Import the good lines of a file that has malformed ones (they are reported either way). */
  skipBadLines?: boolean;
}

export interface ImportReport {
  imported: { id: number; name: string; actions: number; frames: number }[];
  /**
   * Recordings of this folder that are already in the library: the same JSONL content (a copy of
   * the folder elsewhere is the same recording), or the same JSONL path for older imports.
   */
  alreadyImported: { id: number; name: string }[];
  /** Screenshots named by a line but absent (with --skip-bad-lines: the step is imported without it). */
  missingScreenshots: { file: string; line: number; path: string }[];
  tasks: { added: number; skipped: number };
  skippedLines: { file: string; line: number; message: string }[];
}

/**
 * Imports a pc-tracker folder. All-or-nothing per call: every line is validated and every
 * screenshot checked before anything is written, so a bad folder leaves the library as it was.
 */
export async function importTrackerFolder(
  lib: Library,
  dir: string,
  options: ImportOptions = {},
): Promise<ImportReport> {
  const folder = readTrackerFolder(dir);
  if (folder.badLines.length > 0 && !options.skipBadLines) {
    const first = folder.badLines[0]!;
    const more = folder.badLines.length > 1 ? ` (and ${folder.badLines.length - 1} more bad lines)` : '';
    throw new TrackerFormatError(
      `${first.file}:${first.line}: ${first.message}${more}; nothing was imported (use --skip-bad-lines to import the rest)`,
    );
  }
  if (folder.missingFiles.length > 0 && !options.skipBadLines) {
    const names = folder.missingFiles.map((m) => `${m.path} (${path.basename(m.file)}:${m.line})`);
    const shown = names.slice(0, 5).join(', ') + (names.length > 5 ? `, and ${names.length - 5} more` : '');
    throw new TrackerFormatError(
      `missing screenshot files: ${shown}; nothing was imported (use --skip-bad-lines to import the steps without them)`,
    );
  }
  // --skip-bad-lines: a step whose screenshot is gone is kept without it (and named in the report).
  const present = (file: string | null): string | null => (file && fs.existsSync(file) ? file : null);
  const recordings = folder.missingFiles.length
    ? folder.recordings.map((rec) => ({
        ...rec,
        steps: rec.steps.map((st) => ({
          ...st,
          screenshot: present(st.screenshot),
          markedScreenshot: present(st.markedScreenshot),
        })),
      }))
    : folder.recordings;

  const report: ImportReport = {
    imported: [],
    alreadyImported: [],
    tasks: lib.importTasks(folder.tasks),
    skippedLines: folder.badLines,
    missingScreenshots: folder.missingFiles,
  };
  for (const rec of recordings) {
    const source = `${PC_TRACKER_SOURCE}${fs.realpathSync(rec.jsonlPath)}`;
    const contentSha256 = sha256(fs.readFileSync(rec.jsonlPath));
    const existing = lib
      .listRecordings()
      .find(
        (r) =>
          r.source?.startsWith(PC_TRACKER_SOURCE) &&
          ((r.meta.import as { jsonlSha256?: unknown } | undefined)?.jsonlSha256 === contentSha256 ||
            r.source === source),
      );
    if (existing) {
      report.alreadyImported.push({ id: existing.id, name: existing.name });
      continue;
    }
    const recording = await importRecording(lib, rec, source, contentSha256);
    report.imported.push({
      id: recording.id,
      name: recording.name,
      actions: lib.countActions(recording.id),
      frames: lib.listFrames(recording.id).length,
    });
  }
  return report;
}

async function importRecording(
  lib: Library,
  rec: TrackerRecording,
  source: string,
  jsonlSha256: string,
): Promise<Recording> {
  const last = rec.steps[rec.steps.length - 1];
  const status = last?.action.kind === 'fail' ? 'failed' : 'finished';
  // Frame metadata is read before the transaction: sharp is asynchronous, SQLite transactions are not.
  const files = new Map<
    string,
    { format: FrameFormat; width: number; height: number; bytes: number; sha256: string }
  >();
  for (const step of rec.steps) {
    for (const file of [step.screenshot, step.markedScreenshot]) {
      if (!file || files.has(file)) continue;
      const data = fs.readFileSync(file);
      const meta = await sharp(data).metadata();
      const format = meta.format === 'jpeg' || meta.format === 'webp' ? meta.format : 'png';
      files.set(file, {
        format,
        width: meta.width ?? 0,
        height: meta.height ?? 0,
        bytes: data.byteLength,
        sha256: sha256(data),
      });
    }
  }
  const first = [...files.values()][0];
  const recording = lib.createRecording({
    kind: 'human',
    mode: rec.mode,
    name: rec.name,
    description: rec.description,
    level: rec.level,
    status,
    platform: 'unknown',
    screen: first
      ? {
          logicalWidth: first.width,
          logicalHeight: first.height,
          physicalWidth: first.width,
          physicalHeight: first.height,
          scaleFactor: 1,
        }
      : null,
    utcOffsetMin: rec.utcOffsetMin,
    startedAt: rec.startedAt,
    source,
    meta: { import: { jsonlSha256 } },
  });
  const dir = lib.recordingDir(recording.id);
  try {
    // Copy every file first (atomically), then commit all rows in one transaction.
    const target = new Map<string, string>();
    for (const file of files.keys()) {
      const dest = path.join(dir, path.basename(file));
      copyFileAtomic(file, dest);
      target.set(file, lib.relativePath(dest));
    }
    lib.transaction(() => {
      const frameIds = new Map<string, number>();
      const frameId = (file: string | null, role: 'screen' | 'marked'): number | null => {
        if (!file) return null;
        const known = frameIds.get(file);
        if (known !== undefined) return known;
        const f = lib.addFrameRow(recording.id, target.get(file)!, { ...files.get(file)!, role });
        frameIds.set(file, f.id);
        return f.id;
      };
      rec.steps.forEach((s, i) => {
        lib.appendAction(recording.id, {
          seq: i + 1,
          time: s.time,
          action: s.action,
          element: s.element,
          frameId: frameId(s.screenshot, 'screen'),
          markedFrameId: frameId(s.markedScreenshot, 'marked'),
          // The verdict is kept verbatim (a correction is already in the description).
          description: s.description ? { text: s.description, source: 'imported' } : null,
          check: s.checkVerdict ? { text: s.checkVerdict, source: 'imported' } : null,
          thought: s.thought ? { text: s.thought, source: 'imported' } : null,
          extra: s.extra,
        });
      });
      const lastStep = rec.steps[rec.steps.length - 1];
      lib.updateRecording(recording.id, { endedAt: lastStep?.time ?? rec.startedAt });
    });
  } catch (err) {
    lib.deleteRecording(recording.id);
    throw err;
  }
  return lib.getRecording(recording.id);
}
