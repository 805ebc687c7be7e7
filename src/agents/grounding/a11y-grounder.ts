import type { AccessibilityProvider, ScreenElement } from '../../platform/a11y/provider.js';
import { frameSize, type Box, type FrameInput } from '../ocr/frame.js';
import { parseDescription, type TargetQuery } from './description.js';
import {
  boxCentre,
  notFound,
  type Candidate,
  type Grounder,
  type GroundingHints,
  type GroundingResult,
} from './grounder.js';
import { inRegion } from './positions.js';
import { normalise, similarity, MIN_SIMILARITY } from './text-match.js';

/**
 * The `a11y` grounder (issue 11 §3): finds the click target among the elements of the live
 * accessibility tree of the focused window and its open menus (provider.ts `elements`), by
 * name, tooltip (description) and role, so that icon-only targets (toolbar buttons, sidebar
 * tabs, a window's ×) are found, which OCR cannot read. The element's rectangle is mapped from
 * screen pixels to the frame's pixels (the frame is the whole screen, maybe scaled).
 *
 * Scores: the text match (1 for the same name, `similarity` for a quoted label or the recorded
 * element name; for a free description whose words contain the element's name,
 * 0.85 + 0.15 × the share of the description's key words the name covers), times 0.95 for
 * roles that are not clicked (panels, labels, tool bars) and 0.9 for disabled elements.
 */

export const A11Y_SOURCE = 'a11y';
/** One edit in five characters of a quoted label (0.8), or a name among a description's words. */
export const A11Y_THRESHOLD = 0.78;

/** Candidates within this of the best score are tied on text; position, popups, role and prior decide. */
const TIE = 0.03;
const MAX_REPORTED = 10;
/** A free description's words that contain the element's name: 0.85, up to 1 as the name covers them all. */
const CONTAINED_BASE = 0.85;
const NOT_CLICKABLE = 0.95;
const DISABLED = 0.9;

/** Roles a person clicks; anything else (containers, labels) only stands in for one. */
const CLICKABLE_ROLES = new Set([
  'push button',
  'toggle button',
  'radio button',
  'check box',
  'menu',
  'menu item',
  'check menu item',
  'radio menu item',
  'page tab',
  'list item',
  'table cell',
  'tree item',
  'combo box',
  'text',
  'entry',
  'spin button',
  'link',
  'icon',
  // UI Automation and AX names (native helpers)
  'Button',
  'CheckBox',
  'RadioButton',
  'MenuItem',
  'TabItem',
  'ListItem',
  'TreeItem',
  'ComboBox',
  'Edit',
  'Hyperlink',
  'SplitButton',
  'AXButton',
  'AXMenuItem',
  'AXMenuBarItem',
  'AXCheckBox',
  'AXRadioButton',
  'AXTab',
  'AXPopUpButton',
  'AXTextField',
  'AXLink',
]);

/** Words of a description that say which kind of element it is, and the roles they fit. */
const ROLE_WORDS: readonly [RegExp, RegExp][] = [
  [/\b(?:button|icon)s?\b/i, /button|^icon$|^AXButton$|^Button$/i],
  [/\bmenu ?items?\b|\bentry\b|\boption\b/i, /menu item|^MenuItem$|^AXMenuItem$/i],
  [/\bmenus?\b/i, /^menu$|menu item|MenuItem|AXMenu/i],
  [/\btabs?\b/i, /page tab|TabItem|AXTab/i],
  [/\bcheck ?box(?:es)?\b/i, /check box|CheckBox|AXCheckBox/i],
  [/\b(?:field|text ?box|input)\b/i, /text|entry|spin button|Edit|AXTextField/i],
];

/** × and X standing alone mean the close button. */
const CLOSE_MARK = /(^|\s)[×✕✖xX](?=\s|$)/gu;
/** Shortcut hints that tooltips carry: "Bold (Ctrl+B)". */
const SHORTCUT = /\s*\([^()]*\)\s*$/;

interface Size {
  readonly width: number;
  readonly height: number;
}

export interface ElementMatch {
  readonly element: ScreenElement;
  /** The element's rectangle in frame pixels, clipped to the frame. */
  readonly box: Box;
  readonly score: number;
  /** Which of the element's texts matched, and how. */
  readonly matched: string;
  readonly positionsMet: number;
  readonly roleHint: boolean;
  readonly roleWord: boolean;
  readonly priorDistance?: number;
  readonly order: number;
}

/** The texts an element may be found by, best first: its name, a standing-in name, its tooltip. */
function elementTexts(e: ScreenElement): { text: string; kind: 'name' | 'label' | 'description' }[] {
  const out: { text: string; kind: 'name' | 'label' | 'description' }[] = [];
  if (e.name.trim()) out.push({ text: e.name, kind: 'name' });
  if (e.label.trim()) out.push({ text: e.label, kind: 'label' });
  const tip = e.description.replace(SHORTCUT, '').trim();
  if (tip && normalise(tip) !== normalise(e.name)) out.push({ text: tip, kind: 'description' });
  return out;
}

/** How well one text of an element answers the query (module doc). */
function queryScore(query: TargetQuery, text: string): number {
  if (query.text === '') return 0;
  if (query.kind === 'quoted') {
    const s = similarity(query.text, text);
    return s >= MIN_SIMILARITY ? s : 0;
  }
  const words = normalise(query.text).split(' ');
  const name = normalise(text).split(' ');
  const total = words.join('').length;
  const covered = name.join('').length / total;
  if (covered > 1) return 0; // the name says more than the description
  let best = 0;
  for (let len = Math.max(1, name.length - 1); len <= Math.min(words.length, name.length + 1); len++) {
    for (let i = 0; i + len <= words.length; i++) {
      const s = similarity(words.slice(i, i + len).join(' '), text);
      if (s >= MIN_SIMILARITY) best = Math.max(best, s);
    }
  }
  return best === 0 ? 0 : best * (CONTAINED_BASE + (1 - CONTAINED_BASE) * covered);
}

/**
 * Ranks the elements against a description (and the recorded element name and role in
 * `hints`), best first. `screen` is the size of the screen the elements' rectangles are in;
 * `frame` the size of the frame the boxes are reported in.
 */
export function rankElements(
  description: string,
  elements: readonly ScreenElement[],
  frame: Size,
  screen: Size = frame,
  hints: GroundingHints = {},
): { query: TargetQuery; matches: ElementMatch[] } {
  const query = parseDescription(description.replace(CLOSE_MARK, '$1close'));
  const recordedName = hints.elementName?.trim() ?? '';
  const roleWords = ROLE_WORDS.filter(([word]) => word.test(description)).map(([, roles]) => roles);
  const sx = frame.width / screen.width;
  const sy = frame.height / screen.height;
  const matches: ElementMatch[] = [];
  elements.forEach((element, order) => {
    const { rect } = element;
    const box: Box = [
      Math.max(0, Math.round(rect.left * sx)),
      Math.max(0, Math.round(rect.top * sy)),
      Math.min(frame.width, Math.round(rect.right * sx)),
      Math.min(frame.height, Math.round(rect.bottom * sy)),
    ];
    if (box[2] <= box[0] || box[3] <= box[1]) return; // off the frame
    let text = 0;
    let matched = '';
    for (const t of elementTexts(element)) {
      const fromDescription = queryScore(query, t.text);
      const fromRecorded = recordedName ? similarity(recordedName, t.text) : 0;
      const s = Math.max(fromDescription, fromRecorded >= MIN_SIMILARITY ? fromRecorded : 0);
      if (s > text) {
        text = s;
        const by = fromRecorded >= fromDescription ? 'the recorded element name' : 'the description';
        matched = `${t.kind} "${t.text}" matches ${by}`;
      }
    }
    if (text === 0) return;
    const clickable = CLICKABLE_ROLES.has(element.role);
    const enabled = element.states.includes('enabled');
    const score = text * (clickable ? 1 : NOT_CLICKABLE) * (enabled ? 1 : DISABLED);
    const centre = boxCentre(box);
    matches.push({
      element,
      box,
      score: Math.round(score * 1000) / 1000,
      matched,
      positionsMet: query.positions.filter((p) => inRegion(p, centre, frame, query.positions)).length,
      roleHint: !!hints.elementRole && hints.elementRole === element.role,
      roleWord: roleWords.some((roles) => roles.test(element.role)),
      priorDistance: hints.prior ? Math.hypot(centre.x - hints.prior.x, centre.y - hints.prior.y) : undefined,
      order,
    });
  });
  const best = Math.max(0, ...matches.map((m) => m.score));
  const area = (m: ElementMatch) => (m.box[2] - m.box[0]) * (m.box[3] - m.box[1]);
  const tied = (m: ElementMatch) => m.score >= best - TIE;
  matches.sort(
    (a, b) =>
      Number(tied(b)) - Number(tied(a)) ||
      (tied(a)
        ? b.positionsMet - a.positionsMet ||
          Number(b.element.inPopup) - Number(a.element.inPopup) ||
          Number(b.roleHint) - Number(a.roleHint) ||
          Number(b.roleWord) - Number(a.roleWord) ||
          b.score - a.score ||
          (a.priorDistance ?? 0) - (b.priorDistance ?? 0) ||
          area(a) - area(b) ||
          a.order - b.order
        : b.score - a.score || a.order - b.order),
  );
  return { query, matches };
}

function describe(m: ElementMatch): string {
  const name = m.element.name || m.element.label || m.element.description;
  return `${m.element.role} "${name}"`;
}

function winReason(m: ElementMatch, query: TargetQuery): string {
  const parts = [m.matched, m.element.role];
  if (!m.element.states.includes('enabled')) parts.push('disabled');
  if (m.element.inPopup) parts.push('in an open popup');
  if (query.positions.length) parts.push(`${m.positionsMet}/${query.positions.length} position words`);
  if (m.priorDistance !== undefined) parts.push(`${Math.round(m.priorDistance)} px from the prior point`);
  return parts.join('; ');
}

function loseReason(m: ElementMatch, winner: ElementMatch, query: TargetQuery): string {
  if (winner.score - m.score > TIE) return `weaker match (${m.score.toFixed(2)} vs ${winner.score.toFixed(2)})`;
  if (m.positionsMet !== winner.positionsMet) {
    return `fewer position words met (${m.positionsMet}/${query.positions.length})`;
  }
  if (m.element.inPopup !== winner.element.inPopup) return 'not in the open popup';
  if (m.roleHint !== winner.roleHint) return 'not the recorded role';
  if (m.roleWord !== winner.roleWord) return 'its role is not the one the description names';
  if (m.score !== winner.score) return `weaker match (${m.score.toFixed(2)} vs ${winner.score.toFixed(2)})`;
  if (m.priorDistance !== winner.priorDistance) return 'farther from the prior point';
  return 'larger or later in the tree';
}

/** Grounds a description in an element list already read (pure; `locate` reads the list). */
export function groundInElements(
  description: string,
  elements: readonly ScreenElement[],
  frame: Size,
  screen: Size = frame,
  hints: GroundingHints = {},
  threshold = A11Y_THRESHOLD,
): GroundingResult {
  const { query, matches } = rankElements(description, elements, frame, screen, hints);
  const winner = matches[0];
  const candidates: Candidate[] = matches.slice(0, MAX_REPORTED).map((m, i) => ({
    text: m.element.name || m.element.label || m.element.description,
    box: m.box,
    score: m.score,
    reason: i === 0 ? winReason(m, query) : loseReason(m, winner!, query),
  }));
  if (elements.length === 0) {
    return notFound(A11Y_SOURCE, 'no accessibility elements (no tree here, or it did not answer in time)', candidates);
  }
  if (!winner) {
    const what = query.text || hints.elementName || description;
    return notFound(
      A11Y_SOURCE,
      `no element named like "${what}" among ${elements.length} elements of the focused window`,
      candidates,
    );
  }
  if (winner.score < threshold) {
    return notFound(
      A11Y_SOURCE,
      `best element ${describe(winner)} scores ${winner.score.toFixed(2)}, below ${threshold}`,
      candidates,
    );
  }
  return {
    found: true,
    point: boxCentre(winner.box),
    box: winner.box,
    score: winner.score,
    source: A11Y_SOURCE,
    candidates,
  };
}

export interface A11yGrounderOptions {
  /** Where the elements come from; its `elements()` is asked once per `locate`. */
  readonly provider: AccessibilityProvider;
  /**
   * The screen's size in the pixels element rectangles use, or a function that reads it; when
   * unknown the frame is taken to be the screen at its own size.
   */
  readonly screen?: Size | (() => Promise<Size | null>);
  /** Longest wait for the element list (default: the provider's). */
  readonly deadlineMs?: number;
  /**
   * Reuse an element list this young (ms) instead of walking the tree again: for several
   * targets on one screen. Default 0: after an action the old list may describe a gone screen.
   */
  readonly maxAgeMs?: number;
  /** Confidence threshold (default A11Y_THRESHOLD). */
  readonly threshold?: number;
  /** Called by `close()`, e.g. to close a provider the grounder made itself. */
  readonly onClose?: () => Promise<void>;
}

export class A11yGrounder implements Grounder {
  readonly name = A11Y_SOURCE;
  readonly threshold: number;
  readonly #options: A11yGrounderOptions;
  #screen: Promise<Size | null> | null = null;
  #last: { at: number; elements: Promise<readonly ScreenElement[]> } | null = null;

  constructor(options: A11yGrounderOptions) {
    this.#options = options;
    this.threshold = options.threshold ?? A11Y_THRESHOLD;
  }

  /**
   * The platform's provider (AT-SPI on Linux, UI Automation or AX through their helpers),
   * connected now, and on X11 the desktop's size read from the display.
   */
  static async create(env: NodeJS.ProcessEnv = process.env): Promise<{ grounder: A11yGrounder; provider: string }> {
    const { defaultAccessibility } = await import('../../platform/a11y/platform.js');
    const { provider, name } = await defaultAccessibility({ x: 0, y: 0 });
    // Applications build their accessible objects on the first walk into a window (seconds for
    // Impress): now, not within the first step's deadline.
    await provider.elements(10_000);
    // The space element rectangles are in: X11's one pixel space; on macOS points (the
    // input system's logical size); on Windows physical pixels, the frame's own.
    const screen =
      process.platform === 'linux'
        ? async () => {
            const { readScreenLayout } = await import('../../platform/capture/screen-layout.js');
            return (await readScreenLayout(env.DISPLAY)).desktop;
          }
        : process.platform === 'darwin'
          ? async () => {
              const { NutInput } = await import('../../platform/input/nut-input.js');
              return (await NutInput.open()).screenSize();
            }
          : undefined;
    const grounder = new A11yGrounder({ provider, screen, onClose: () => provider.close() });
    return { grounder, provider: name };
  }

  async locate(description: string, frame: FrameInput, hints?: GroundingHints): Promise<GroundingResult> {
    if (hints?.signal?.aborted) return notFound(A11Y_SOURCE, 'aborted');
    const [elements, size, screen] = await Promise.all([this.#elements(), frameSize(frame), this.#screenSize()]);
    return groundInElements(description, elements, size, screen ?? size, hints, this.threshold);
  }

  close(): Promise<void> {
    return this.#options.onClose?.() ?? Promise.resolve();
  }

  #elements(): Promise<readonly ScreenElement[]> {
    const { provider, deadlineMs, maxAgeMs = 0 } = this.#options;
    const now = performance.now();
    if (this.#last && now - this.#last.at <= maxAgeMs) return this.#last.elements;
    const elements = provider.elements(deadlineMs);
    this.#last = { at: now, elements };
    return elements;
  }

  #screenSize(): Promise<Size | null> {
    const { screen } = this.#options;
    if (!screen) return Promise.resolve(null);
    if (typeof screen !== 'function') return Promise.resolve(screen);
    // Read once; a failure leaves the frame's own size in force.
    this.#screen ??= screen().catch(() => null);
    return this.#screen;
  }
}
