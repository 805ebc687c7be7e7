/**
 * Position words in click-target descriptions ("top-right", "in the menu bar", "left panel")
 * and the frame regions they stand for. Regions are shares of the frame, so they hold at any
 * resolution; the bars' shares fit a maximised desktop application at 1080p (Windows ribbon
 * tabs at ~7% of the height, LibreOffice's menu bar under a window title at ~5%).
 */

export type Position =
  | 'top'
  | 'bottom'
  | 'left'
  | 'right'
  | 'center'
  | 'title bar'
  | 'menu bar'
  | 'toolbar'
  | 'status bar'
  | 'taskbar'
  | 'left panel'
  | 'right panel'
  | 'sidebar'
  | 'open menu'
  | 'dialog';

/** Longer phrases first: "left panel" must not be read as "left". */
const PHRASES: readonly [RegExp, readonly Position[]][] = [
  [/\btitle ?bar\b/g, ['title bar']],
  [/\bmenu ?bar\b|\bribbon tabs?\b/g, ['menu bar']],
  [/\bstatus ?bar\b/g, ['status bar']],
  [/\btask ?bar\b/g, ['taskbar']],
  [/\b(?:tool ?bar|ribbon)\b/g, ['toolbar']],
  [/\b(?:left|navigation) (?:panel|pane|side ?bar)\b/g, ['left panel']],
  [/\bright (?:panel|pane|side ?bar)\b/g, ['right panel']],
  [/\bside ?(?:bar|panel|pane)\b/g, ['sidebar']],
  [/\b(?:open|opened|drop-?down|context|pop-?up) menu\b|\bdrop-?down\b/g, ['open menu']],
  [/\bdialog(?: box)?\b|\bpop-?up\b/g, ['dialog']],
  [/\b(?:top|upper)[ -]left\b/g, ['top', 'left']],
  [/\b(?:top|upper)[ -]right\b/g, ['top', 'right']],
  [/\b(?:bottom|lower)[ -]left\b/g, ['bottom', 'left']],
  [/\b(?:bottom|lower)[ -]right\b/g, ['bottom', 'right']],
  [/\b(?:top|upper|topmost)\b/g, ['top']],
  [/\b(?:bottom|lower|bottommost)\b/g, ['bottom']],
  [/\b(?:left|leftmost)\b/g, ['left']],
  [/\b(?:right|rightmost)\b/g, ['right']],
  [/\b(?:center|centre|middle)\b/g, ['center']],
];

/** Clicking verbs that contain position words ("right-click") are not positions. */
const CLICK_VERBS = /\b(?:left|right|double)[ -]?click(?:s|ed|ing)?\b/g;

/** Position words found in `text`, and the text without them. */
export function findPositions(text: string): { positions: Position[]; rest: string } {
  let rest = text.toLowerCase().replace(CLICK_VERBS, ' ');
  const found = new Set<Position>();
  for (const [pattern, positions] of PHRASES) {
    rest = rest.replace(pattern, () => {
      for (const p of positions) found.add(p);
      return ' ';
    });
  }
  return { positions: [...found], rest };
}

/**
 * Whether a point (frame pixels) lies in the region a position word names. `center` alone is
 * the middle of the frame; next to top/bottom it means horizontally centred, next to
 * left/right vertically centred.
 */
export function inRegion(
  position: Position,
  point: { x: number; y: number },
  frame: { width: number; height: number },
  all: readonly Position[] = [position],
): boolean {
  const x = point.x / frame.width;
  const y = point.y / frame.height;
  const third = 1 / 3;
  switch (position) {
    case 'top':
      return y < third;
    case 'bottom':
      return y > 2 * third;
    case 'left':
      return x < third;
    case 'right':
      return x > 2 * third;
    case 'center': {
      const horizontal = Math.abs(x - 0.5) < third / 2;
      const vertical = Math.abs(y - 0.5) < third / 2;
      if (all.includes('top') || all.includes('bottom')) return horizontal;
      if (all.includes('left') || all.includes('right')) return vertical;
      return horizontal && vertical;
    }
    case 'title bar':
      return y < 0.05;
    case 'menu bar':
      return y < 0.1;
    case 'toolbar':
      return y < 0.22;
    case 'status bar':
      return y > 0.88;
    case 'taskbar':
      return y > 0.93;
    case 'left panel':
      return x < 0.25;
    case 'right panel':
      return x > 0.75;
    case 'sidebar':
      return x < 0.25 || x > 0.75;
    case 'open menu':
      // An open menu hangs below the bar it was opened from.
      return y > 0.05;
    case 'dialog':
      return Math.abs(x - 0.5) < 0.3 && Math.abs(y - 0.5) < 0.35;
  }
}

/**
 * How far toward the named edge a point lies, 0–1 (1 at the edge, or at the centre for
 * `center`): among candidates in the same region, "the X in the left panel" is the leftmost.
 */
export function extremity(
  position: Position,
  point: { x: number; y: number },
  frame: { width: number; height: number },
): number {
  const x = Math.min(Math.max(point.x / frame.width, 0), 1);
  const y = Math.min(Math.max(point.y / frame.height, 0), 1);
  switch (position) {
    case 'top':
    case 'title bar':
    case 'menu bar':
    case 'toolbar':
      return 1 - y;
    case 'bottom':
    case 'status bar':
    case 'taskbar':
      return y;
    case 'left':
    case 'left panel':
      return 1 - x;
    case 'right':
    case 'right panel':
      return x;
    case 'sidebar':
      return Math.abs(x - 0.5) * 2;
    case 'center':
      return 1 - Math.hypot(x - 0.5, y - 0.5) / Math.SQRT1_2;
    case 'open menu':
    case 'dialog':
      return 0;
  }
}
