/**
 * Recording aggregation (SPEC §2.1): turns raw input events into recorded actions.
 *
 * A pure state machine: time comes in with the events, nothing here reads a clock or does
 * I/O. Each action must be stored as soon as it is recorded (crash safety), yet several rules
 * change an action after the fact (a click becomes a double click or a drag, a key press
 * grows into typed text, `press key ctrl` becomes a hotkey). So every call returns
 * *operations* on the recording (add / update / remove) for the tracker to apply in order.
 * An action keeps the time and frame of the event where it began: the first character for
 * typing, the press for clicks and drags, the first notch for scrolls, the modifier press
 * for a hotkey that absorbs it.
 */
import type { Action, KeyAction, Point, TypeAction } from './actions.js';
import type { KeyDownInput, MouseDownInput, MouseUpInput, RawInput, WheelInput } from './input-events.js';
import { isModifier, isSystemCombination, normalizeKeyName, shiftedChar, type ModifierKey } from './keys.js';

/** A second left press at most this long after a click makes it a double click. */
export const DOUBLE_CLICK_MS = 500;
/**
 * "Same position" for a double click: at most this many pixels apart on each axis. Windows'
 * default double-click rectangle (SM_CXDOUBLECLK = 4 px) centred on the first press, so a
 * press the OS itself counts as a double click is recorded as one.
 */
export const DOUBLE_CLICK_SLOP_PX = 2;
/** Idle time after which a `wait` is recorded (and again after each further period). */
export const IDLE_WAIT_MS = 6_000;

export type RecordingOp<F> =
  | {
      readonly op: 'add';
      readonly id: number;
      readonly action: Action;
      readonly time: number;
      readonly frame: F | null;
      /** For clicks: where to look up the accessibility element (at press time). */
      readonly pointer?: Point;
    }
  /** Replaces the action; the row keeps the time, frame and element of its beginning. */
  | { readonly op: 'update'; readonly id: number; readonly action: Action }
  | { readonly op: 'remove'; readonly id: number };

export interface RecordedAction<F> {
  readonly id: number;
  readonly action: Action;
  readonly time: number;
  readonly frame: F | null;
}

/** Applies operations in order and returns the resulting recording, in recording order. */
export function replayOps<F>(ops: Iterable<RecordingOp<F>>): RecordedAction<F>[] {
  const rows = new Map<number, RecordedAction<F>>();
  for (const op of ops) {
    if (op.op === 'add') {
      rows.set(op.id, { id: op.id, action: op.action, time: op.time, frame: op.frame });
      continue;
    }
    const row = rows.get(op.id);
    if (row === undefined) throw new Error(`recording op ${op.op} on unknown action ${op.id}`);
    if (op.op === 'update') rows.set(op.id, { ...row, action: op.action });
    else rows.delete(op.id);
  }
  // Ids are assigned in increasing order and a Map iterates in insertion order.
  return [...rows.values()];
}

export interface AggregatorOptions {
  /** Session start: the idle timer runs from here. */
  readonly startTime: number;
  /** Caps Lock state at start when the platform can tell (default off). */
  readonly capsLock?: boolean;
}

/** Modifier order inside a hotkey, whatever order they were pressed in (ctrl+shift+s). */
const MODIFIERS: readonly ModifierKey[] = ['ctrl', 'cmd', 'alt', 'shift'];

interface Stamp<F> {
  readonly time: number;
  readonly frame: F | null;
}

interface PendingPress<F> extends Stamp<F> {
  readonly id: number;
  readonly at: Point;
}

/**
 * One character stays `press key c`; two or more are `type text`. So is a single character
 * that is no key name of its own: a key names the key, not what it typed ('A' is key `a`),
 * so a lone capital is `type text: A`, which keeps its case.
 */
function typingAction(chars: readonly string[]): KeyAction | TypeAction {
  const [only] = chars;
  if (chars.length === 1 && only !== undefined) {
    const key = normalizeKeyName(only);
    if (key === 'space' || key === only) return { kind: 'key', key };
  }
  return { kind: 'type', text: chars.join('') };
}

/** The OS-composed text of a key press, when usable as typed text. */
function composedText(ev: KeyDownInput<unknown>): string | null {
  const { text } = ev;
  return text !== undefined && text !== '' && !/\p{Cc}/u.test(text) ? text : null;
}

function isLetter(ch: string): boolean {
  return ch.toLowerCase() !== ch.toUpperCase();
}

export class Aggregator<F> {
  private nextId = 1;
  private out: RecordingOp<F>[] = [];
  private paused = false;
  private ended = false;
  private capsLock: boolean;
  /**
   * Start of the current idle period; null while the timer is stopped (after a text key or
   * a scroll, or while paused).
   */
  private idleSince: number | null;
  /** Modifiers and caps_lock currently down; a keydown for one of them is auto-repeat. */
  private readonly down = new Set<string>();
  /** The open text buffer and the action it is stored as. */
  private buffer: { readonly id: number; readonly chars: string[] } | null = null;
  /** Shift pressed while the buffer was open, not recorded (yet); see modifierDown. */
  private deferredShift: Stamp<F> | null = null;
  /** The scroll that further wheel events add to. */
  private scroll: { readonly id: number; dx: number; dy: number } | null = null;
  /** The click a second press may turn into a double click. */
  private lastClick: { readonly id: number; readonly at: Point; readonly time: number } | null = null;
  /** The left press awaiting its release (click or drag). */
  private press: PendingPress<F> | null = null;
  /**
   * Ids of the trailing `press key <modifier>` actions whose keys are all still down and after
   * which nothing else was recorded: the hotkey or the typed character they lead into
   * absorbs them.
   */
  private modifierTail: number[] = [];

  constructor(options: AggregatorOptions) {
    this.idleSince = options.startTime;
    this.capsLock = options.capsLock ?? false;
  }

  input(ev: RawInput<F>): RecordingOp<F>[] {
    return this.collect(() => {
      // Waits that fell due before this event come first, judged on the state before it.
      if (!this.paused) this.emitDueWaits(ev.time, ev.frame);
      switch (ev.type) {
        case 'keydown':
          return this.keyDown(ev);
        case 'keyup':
          return this.keyUp(ev.key, ev.time);
        case 'mousedown':
          return this.mouseDown(ev);
        case 'mouseup':
          return this.mouseUp(ev);
        case 'wheel':
          return this.wheel(ev);
      }
    });
  }

  /**
   * The idle timer. Any interval gives the right number and times of waits; a wait carries
   * the frame of the call that found it due, so calling at about the capture rate (with the
   * latest frame) gives it the frame that was current then.
   */
  tick(time: number, frame: F | null): RecordingOp<F>[] {
    return this.collect(() => {
      if (!this.paused) this.emitDueWaits(time, frame);
    });
  }

  /** Stops recording until `resume`: open sequences end, nothing is recorded meanwhile. */
  pause(time: number, frame: F | null): RecordingOp<F>[] {
    return this.collect(() => {
      if (this.paused) return;
      this.emitDueWaits(time, frame);
      this.endSequences();
      this.idleSince = null;
      this.paused = true;
    });
  }

  resume(time: number): void {
    if (this.ended || !this.paused) return;
    this.paused = false;
    this.idleSince = time;
  }

  finish(time: number, frame: F | null): RecordingOp<F>[] {
    return this.end({ kind: 'finish' }, time, frame);
  }

  fail(time: number, frame: F | null): RecordingOp<F>[] {
    return this.end({ kind: 'fail' }, time, frame);
  }

  private end(action: Action, time: number, frame: F | null): RecordingOp<F>[] {
    return this.collect(() => {
      if (!this.paused) this.emitDueWaits(time, frame);
      this.endSequences();
      this.add(action, { time, frame });
      this.ended = true;
    });
  }

  /** Runs one call's work and returns the operations it produced; nothing after the end. */
  private collect(work: () => void): RecordingOp<F>[] {
    if (this.ended) return [];
    this.out = [];
    work();
    return this.out;
  }

  private keyDown(ev: KeyDownInput<F>): void {
    const { key } = ev;
    if (isModifier(key) || key === 'caps_lock') {
      // A held modifier auto-repeats on some platforms; the OS does nothing new, neither do we.
      if (this.down.has(key)) return;
      this.down.add(key);
      // Tracked even while paused: the OS flips the state whether we record or not.
      if (key === 'caps_lock') this.capsLock = !this.capsLock;
    }
    if (this.paused) return;
    this.scroll = null;
    this.lastClick = null;

    if (isModifier(key)) return this.modifierDown(key, ev);
    const mods = MODIFIERS.filter((m) => this.down.has(m));
    if (this.isShortcut(ev, mods)) return this.hotkey([...mods, key], ev);
    const text = this.textOf(ev);
    if (text !== null) return this.typeText(text, ev);
    if (this.buffer !== null && key === 'backspace') return this.backspace(this.buffer);
    // Caps Lock inside a word only changes case (tracked above); typing goes on.
    if (this.buffer !== null && key === 'caps_lock') return;
    this.closeTyping();
    this.add({ kind: 'key', key }, ev);
    this.idleSince = ev.time;
  }

  private modifierDown(key: ModifierKey, ev: KeyDownInput<F>): void {
    // Shift inside typing is part of the text ("Hello, World"): recording it would split the
    // `type text` in two. It is kept aside and recorded only if a non-text key or a pointer
    // action comes while it is still held (shift+tab, shift+click), see closeTyping.
    if (key === 'shift' && this.buffer !== null) {
      this.deferredShift = { time: ev.time, frame: ev.frame };
      return;
    }
    this.closeTyping();
    const tail = this.modifierTail;
    const id = this.add({ kind: 'key', key }, ev);
    this.modifierTail = [...tail, id];
    this.idleSince = ev.time;
  }

  /**
   * Ctrl, Cmd and Alt chords are shortcuts, as are the fixed system combinations
   * (shift+delete being the only one without those). Exception: a key for which the OS
   * composed a character while Alt is down is text: AltGr is Ctrl+Alt on Windows and Option
   * composes characters on macOS.
   */
  private isShortcut(ev: KeyDownInput<F>, mods: readonly ModifierKey[]): boolean {
    if (mods.length === 0) return false;
    const altComposed = composedText(ev) !== null && this.down.has('alt') && !this.down.has('cmd');
    if (!altComposed && mods.some((m) => m !== 'shift')) return true;
    return isSystemCombination([...mods, ev.key]);
  }

  private hotkey(keys: string[], ev: KeyDownInput<F>): void {
    this.closeTyping();
    const action: Action = { kind: 'hotkey', keys };
    const [first, ...rest] = this.modifierTail;
    if (first === undefined) {
      this.add(action, ev);
    } else {
      // The just-recorded presses of this chord's modifiers become the hotkey, which keeps
      // the first one's frame: what was on screen when ctrl went down.
      this.update(first, action);
      for (const id of rest) this.remove(id);
      this.modifierTail = [];
    }
    this.idleSince = ev.time;
  }

  /** The character(s) a key types, or null for a non-text key. */
  private textOf(ev: KeyDownInput<F>): string | null {
    const composed = composedText(ev);
    if (composed !== null) return composed;
    if (ev.key === 'space') return ' ';
    if ([...ev.key].length !== 1) return null;
    const shift = this.down.has('shift');
    if (isLetter(ev.key)) {
      return shift !== this.capsLock ? ev.key.toUpperCase() : ev.key.toLowerCase();
    }
    // A character the US table does not know is its own shifted form.
    return shift ? (shiftedChar(ev.key) ?? ev.key) : ev.key;
  }

  private typeText(text: string, ev: KeyDownInput<F>): void {
    const chars = [...text];
    if (this.buffer === null) {
      // Modifier presses recorded just before, still held, produced this character (shift for
      // a capital, AltGr's ctrl+alt): they are part of the typing, not actions of their own.
      for (const id of this.modifierTail) this.remove(id);
      this.buffer = { id: this.add(typingAction(chars), ev), chars };
    } else {
      this.buffer.chars.push(...chars);
      this.update(this.buffer.id, typingAction(this.buffer.chars));
    }
    // Typing may go on: no wait while the last input was a text key.
    this.idleSince = null;
  }

  private backspace(buffer: { readonly id: number; readonly chars: string[] }): void {
    buffer.chars.pop();
    if (buffer.chars.length === 0) {
      // Everything typed was erased: the action goes, and a further backspace is a key press.
      this.remove(buffer.id);
      this.buffer = null;
    } else {
      this.update(buffer.id, typingAction(buffer.chars));
    }
    this.idleSince = null;
  }

  /** Ends the text buffer; a shift kept aside and still held is recorded now. */
  private closeTyping(): void {
    this.buffer = null;
    const shift = this.deferredShift;
    this.deferredShift = null;
    if (shift !== null) this.modifierTail = [this.add({ kind: 'key', key: 'shift' }, shift)];
  }

  private keyUp(key: string, time: number): void {
    this.down.delete(key);
    if (key === 'shift') this.deferredShift = null;
    // A later chord is not "from this same press" any more.
    if (isModifier(key)) this.modifierTail = [];
    if (!this.paused && this.idleSince !== null) this.idleSince = time;
  }

  private mouseDown(ev: MouseDownInput<F>): void {
    if (this.paused) return;
    const previous = this.lastClick;
    this.lastClick = null;
    this.scroll = null;
    this.press = null;
    this.closeTyping();
    this.modifierTail = [];
    // A click restarts the idle timer, also one stopped by typing or a scroll.
    this.idleSince = ev.time;
    // The grammar has no middle click: it only ends what was going on, like any click.
    if (ev.excluded === true || ev.button === 'middle') return;
    const at = { x: ev.x, y: ev.y };
    if (ev.button === 'right') {
      this.add({ kind: 'right_click', at }, ev, at);
      return;
    }
    if (
      previous !== null &&
      ev.time - previous.time <= DOUBLE_CLICK_MS &&
      Math.abs(ev.x - previous.at.x) <= DOUBLE_CLICK_SLOP_PX &&
      Math.abs(ev.y - previous.at.y) <= DOUBLE_CLICK_SLOP_PX
    ) {
      // No drag check on the second press: a double click then drag selects by words, and
      // `press` + `drag to` would lose the double click. A third press starts a new click.
      this.update(previous.id, { kind: 'double_click', at: previous.at });
      return;
    }
    const id = this.add({ kind: 'click', at }, ev, at);
    this.lastClick = { id, at, time: ev.time };
    this.press = { id, at, time: ev.time, frame: ev.frame };
  }

  private mouseUp(ev: MouseUpInput<F>): void {
    if (this.paused) return;
    if (this.idleSince !== null) this.idleSince = ev.time;
    const press = this.press;
    // Only a left press can become a drag: a right press released elsewhere is how a
    // context-menu item is picked, and the grammar's drag is a left-button one.
    if (ev.button !== 'left' || press === null) return;
    this.press = null;
    if (ev.excluded === true || (ev.x === press.at.x && ev.y === press.at.y)) return;
    this.update(press.id, { kind: 'press', at: press.at });
    this.add({ kind: 'drag_to', at: { x: ev.x, y: ev.y } }, press);
    this.lastClick = null;
  }

  private wheel(ev: WheelInput<F>): void {
    if (this.paused) return;
    this.lastClick = null;
    this.closeTyping();
    this.modifierTail = [];
    // A scroll stops the idle timer until the next key or click (SPEC §2.1).
    this.idleSince = null;
    if (ev.excluded === true) {
      this.scroll = null;
    } else if (this.scroll !== null) {
      this.scroll.dx += ev.dx;
      this.scroll.dy += ev.dy;
      this.update(this.scroll.id, { kind: 'scroll', dx: this.scroll.dx, dy: this.scroll.dy });
    } else {
      const id = this.add({ kind: 'scroll', dx: ev.dx, dy: ev.dy }, ev);
      this.scroll = { id, dx: ev.dx, dy: ev.dy };
    }
  }

  /**
   * Records one `wait` per idle period that ended by `time`. A held modifier or mouse button
   * is input still going on (Windows even repeats held keys), so it keeps waits out of a
   * chord or a drag.
   */
  private emitDueWaits(time: number, frame: F | null): void {
    if (this.idleSince === null || this.press !== null) return;
    if (MODIFIERS.some((m) => this.down.has(m))) return;
    while (time - this.idleSince >= IDLE_WAIT_MS) {
      this.idleSince += IDLE_WAIT_MS;
      this.add({ kind: 'wait' }, { time: this.idleSince, frame });
    }
  }

  /** Pause and the end close every open sequence; a shift kept aside is dropped. */
  private endSequences(): void {
    this.deferredShift = null;
    this.closeTyping();
    this.scroll = null;
    this.lastClick = null;
    this.press = null;
    this.modifierTail = [];
  }

  private add(action: Action, at: Stamp<F>, pointer?: Point): number {
    const id = this.nextId++;
    const op: RecordingOp<F> = { op: 'add', id, action, time: at.time, frame: at.frame };
    this.out.push(pointer === undefined ? op : { ...op, pointer });
    // Anything recorded after a modifier press means a chord no longer follows it directly.
    this.modifierTail = [];
    return id;
  }

  private update(id: number, action: Action): void {
    this.out.push({ op: 'update', id, action });
  }

  private remove(id: number): void {
    this.out.push({ op: 'remove', id });
  }
}
