/**
 * The typed action model: one discriminated union for every action of SPEC §2.2.
 *
 * Text forms (recorded, planner, completed) exist only for interchange and prompts and are
 * produced/consumed by `grammar.ts`. Everything else in the code base works on these types.
 * Pure module: no I/O.
 */

/** A point in the pixel space of the frame the action belongs to. */
export interface Point {
  readonly x: number;
  readonly y: number;
}

/** An axis-aligned rectangle, edges in frame pixels (right/bottom exclusive like the reference). */
export interface Rect {
  readonly left: number;
  readonly top: number;
  readonly right: number;
  readonly bottom: number;
}

/**
 * The accessibility element under the pointer when a pointer action began.
 * `name === ""` means unknown (SPEC §2.1).
 */
export interface ElementInfo {
  readonly name: string;
  readonly rect: Rect | null;
  /** Accessibility role when the platform reports it (e.g. "push button", "password text"). */
  readonly role?: string;
}

/**
 * What a click-type action aims at. A recorded click has `at`; a planner click has only
 * `target` (a natural-language description to be grounded); a completed click has both.
 */
export interface PointerTarget {
  readonly at?: Point;
  /** Natural-language description of the target ("the 'Insert' tab in the ribbon"). */
  readonly target?: string;
}

export type ClickKind = 'click' | 'right_click' | 'double_click';

export interface ClickAction extends PointerTarget {
  readonly kind: ClickKind;
}

/** Mouse button pressed at a point (recorded; becomes a click or the start of a drag). */
export interface PressAction {
  readonly kind: 'press';
  readonly at: Point;
}

/** Mouse button released at a point different from the press (recorded). */
export interface DragToAction {
  readonly kind: 'drag_to';
  readonly at: Point;
}

/** A whole drag (refined recordings and planner output). */
export interface DragAction {
  readonly kind: 'drag';
  readonly from: Point;
  readonly to: Point;
}

/** Wheel movement in notches: dy > 0 scrolls up, dy < 0 down; dx > 0 scrolls right. */
export interface ScrollAction {
  readonly kind: 'scroll';
  readonly dx: number;
  readonly dy: number;
}

/** A single key press; `key` is a grammar key name (see keys.ts), lower case. */
export interface KeyAction {
  readonly kind: 'key';
  readonly key: string;
}

/** A key combination, e.g. ["ctrl", "s"] or ["alt", "tab"]; names as in keys.ts. */
export interface HotkeyAction {
  readonly kind: 'hotkey';
  readonly keys: readonly string[];
}

export interface TypeAction {
  readonly kind: 'type';
  readonly text: string;
}

export interface WaitAction {
  readonly kind: 'wait';
}

export interface FinishAction {
  readonly kind: 'finish';
}

export interface FailAction {
  readonly kind: 'fail';
}

export type Action =
  | ClickAction
  | PressAction
  | DragToAction
  | DragAction
  | ScrollAction
  | KeyAction
  | HotkeyAction
  | TypeAction
  | WaitAction
  | FinishAction
  | FailAction;

export type ActionKind = Action['kind'];

export const CLICK_KINDS: readonly ClickKind[] = ['click', 'right_click', 'double_click'];

export function isClick(action: Action): action is ClickAction {
  return action.kind === 'click' || action.kind === 'right_click' || action.kind === 'double_click';
}

/** Actions that end a trajectory. */
export function isTerminal(action: Action): action is FinishAction | FailAction {
  return action.kind === 'finish' || action.kind === 'fail';
}

/** Where a completed field came from (SPEC §2.4 provenance). */
export type Provenance = 'human' | 'imported' | 'model' | 'batch' | 'offline' | 'agent';

/**
 * One step of a trajectory as the pipeline sees it: the action plus what was observed when it
 * began and what completion added. Storage-agnostic (the library maps it to rows).
 */
export interface Step {
  readonly action: Action;
  /** Wall-clock time the action began, milliseconds since the Unix epoch. */
  readonly time: number;
  readonly element: ElementInfo | null;
  readonly actionDescription?: string | null;
  readonly thought?: string | null;
}
