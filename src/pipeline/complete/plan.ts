import fs from 'node:fs';
import { isClick } from '../../core/actions.js';
import type { Provenance } from '../../core/actions.js';
import type { ActionRecord, Frame, Library, Recording } from '../../library/library.js';
import {
  type ChatMessage,
  type CheckAnswer,
  checkMessages,
  type Pass,
  type PromptStep,
  semanticsMessages,
  thoughtMessages,
} from './prompts.js';

/**
 * What completion still has to do, derived from the library alone (so a crashed or interrupted
 * run resumes by looking again): a field that is present is never asked for again.
 *
 * - desc: a click-type action (click, right/double click) with a point and a frame, and no
 *   description yet. Drags are not described: their planner form is coordinates.
 * - check: a click whose description is there but unchecked, unless a person wrote it.
 * - thought: every action without one; the thoughts of a recording wait until all of its
 *   descriptions are present and checked (thoughts quote the checked descriptions).
 */

/** What a check stores: the description was confirmed, or replaced by the model's correction. */
export const CHECK_GOOD_TEXT = 'Good';
export const CHECK_CORRECTED_TEXT = 'Corrected';

export interface Target {
  readonly recording: Recording;
  /** The id the user named, when completion moved to its refined child. */
  readonly refinedFrom?: number;
}

/**
 * The recordings to complete. A raw recording with a refined child is completed through the
 * child (the newest one): that is the trajectory with marked frames and cleaned actions.
 * `all`: every finished human recording (and interrupted ones with `includeInterrupted`), each
 * raw one replaced by its refined child.
 */
export function resolveTargets(
  lib: Library,
  ids: readonly number[],
  all: boolean,
  includeInterrupted = false,
): Target[] {
  const statuses = includeInterrupted ? ['finished', 'interrupted'] : ['finished'];
  const chosen = all
    ? lib
        .listRecordings({ kind: 'human' })
        .filter((r) => statuses.includes(r.status))
        .map((r) => r.id)
    : [...ids];
  const seen = new Set<number>();
  const out: Target[] = [];
  for (const id of chosen) {
    const recording = lib.getRecording(id);
    const child = recording.stage === 'raw' ? lib.listRecordings({ parentId: id, stage: 'refined' }).at(-1) : undefined;
    const target: Target = child ? { recording: child, refinedFrom: id } : { recording };
    if (seen.has(target.recording.id)) continue;
    seen.add(target.recording.id);
    out.push(target);
  }
  return out;
}

/** The frame the model sees: the marked copy when there is one, else the plain frame. */
export function promptFrameId(a: ActionRecord): number | null {
  return a.markedFrameId ?? a.frameId;
}

export function needsDescription(a: ActionRecord): boolean {
  return isClick(a.action) && a.action.at !== undefined && promptFrameId(a) !== null && a.description === null;
}

export function needsCheck(a: ActionRecord): boolean {
  return (
    isClick(a.action) &&
    a.action.at !== undefined &&
    promptFrameId(a) !== null &&
    a.description !== null &&
    a.description.source !== 'human' &&
    a.check === null
  );
}

export function needsThought(a: ActionRecord): boolean {
  return a.thought === null;
}

/** Whether the thoughts of a recording may be written: no description or check outstanding. */
export function thoughtsReady(actions: readonly ActionRecord[]): boolean {
  return !actions.some((a) => needsDescription(a) || needsCheck(a));
}

export interface PendingCounts {
  desc: number;
  check: number;
  thought: number;
}

/** Fields still missing; a click without a description counts for its check as well. */
export function pendingCounts(actions: readonly ActionRecord[]): PendingCounts {
  let desc = 0;
  let check = 0;
  let thought = 0;
  for (const a of actions) {
    if (needsDescription(a)) {
      desc++;
      check++;
    } else if (needsCheck(a)) check++;
    if (needsThought(a)) thought++;
  }
  return { desc, check, thought };
}

/** Fields still missing over every target (a progress bar's total). */
export function pendingTotals(lib: Library, targets: readonly Target[]): PendingCounts {
  const sum: PendingCounts = { desc: 0, check: 0, thought: 0 };
  for (const t of targets) {
    const p = pendingCounts(lib.listActions(t.recording.id));
    sum.desc += p.desc;
    sum.check += p.check;
    sum.thought += p.thought;
  }
  return sum;
}

/**
 * Batch rounds this recording still needs: descriptions, then checks, then thoughts (all
 * thoughts of a recording go in one round, see batch.ts).
 */
export function roundsLeft(actions: readonly ActionRecord[]): number {
  const p = pendingCounts(actions);
  return (p.desc > 0 ? 1 : 0) + (p.check > 0 ? 1 : 0) + (p.thought > 0 ? 1 : 0);
}

export function promptSteps(actions: readonly ActionRecord[]): PromptStep[] {
  return actions.map((a) => ({
    action: a.action,
    description: a.description?.text ?? null,
    thought: a.thought?.text ?? null,
  }));
}

const MIME: Readonly<Record<Frame['format'], string>> = { png: 'image/png', jpeg: 'image/jpeg', webp: 'image/webp' };

/** A frame file as a `data:` URL for an `image_url` content part. */
export function frameDataUrl(lib: Library, frameId: number): string {
  const frame = lib.getFrame(frameId);
  const data = fs.readFileSync(lib.absolutePath(frame.path));
  return `data:${MIME[frame.format]};base64,${data.toString('base64')}`;
}

/*
 * The request of each pass for one action and what a check's verdict stores: the same for the
 * online run and the batch file.
 */

export function descriptionRequest(lib: Library, a: ActionRecord): ChatMessage[] {
  return semanticsMessages({ action: a.action, element: a.element, imageUrl: frameDataUrl(lib, promptFrameId(a)!) });
}

export function checkRequest(lib: Library, a: ActionRecord): ChatMessage[] {
  const imageUrl = frameDataUrl(lib, promptFrameId(a)!);
  return checkMessages({ action: a.action, element: a.element, imageUrl, description: a.description!.text });
}

/** The thought of `steps[index]`, the action `a`, seeing its frame when it has one. */
export function thoughtRequest(
  lib: Library,
  a: ActionRecord,
  input: { task: string | null; steps: readonly PromptStep[]; index: number },
): ChatMessage[] {
  const frameId = promptFrameId(a);
  return thoughtMessages({ ...input, imageUrl: frameId === null ? null : frameDataUrl(lib, frameId) });
}

/** 'Good', or the correction and its 'Corrected' mark in one write (never a correction without its mark). */
export function commitCheck(
  lib: Library,
  actionId: number,
  answer: Exclude<CheckAnswer, { kind: 'malformed' }>,
  source: Provenance,
): void {
  if (answer.kind === 'good') lib.updateAction(actionId, { check: { text: CHECK_GOOD_TEXT, source } });
  else
    lib.updateAction(actionId, {
      description: { text: answer.correction, source },
      check: { text: CHECK_CORRECTED_TEXT, source },
    });
}

/** `r<recording>-a<action>-<pass>`: the batch request id of one field. */
export function customId(recordingId: number, actionId: number, pass: Pass): string {
  return `r${recordingId}-a${actionId}-${pass}`;
}

export function parseCustomId(id: string): { recordingId: number; actionId: number; pass: Pass } | null {
  const m = /^r(\d+)-a(\d+)-(desc|check|thought)$/.exec(id);
  return m ? { recordingId: Number(m[1]), actionId: Number(m[2]), pass: m[3] as Pass } : null;
}
