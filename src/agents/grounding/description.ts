import { findPositions, type Position } from './positions.js';

/**
 * Reads a click-target description such as `the 'Insert' tab in the menu bar` into the text to
 * look for and the position words that narrow where it is.
 */

export interface TargetQuery {
  /** Text to find on screen; empty when the description names nothing readable. */
  readonly text: string;
  /**
   * `quoted`: the description quoted the label (or the element name was given), so the whole
   * text must match. `keywords`: key words of a free description, any run of them may match.
   */
  readonly kind: 'quoted' | 'keywords';
  readonly positions: readonly Position[];
}

/**
 * Quoted spans: "…", “…”, ‘…’, and '…' where the quotes stand at word edges so that the
 * apostrophe in `'Don't Save'` does not end the span.
 */
const QUOTED = /"([^"]+)"|“([^”]+)”|‘([^’]+)’|(?<![\p{L}\p{N}])'(.+?)'(?![\p{L}\p{N}])/gu;

/** Words that describe the control or the action rather than its label. */
const STOP_WORDS = new Set(
  (
    'a an the this that these those of on in at to into onto from for with by and or ' +
    'click clicks clicking tap press select choose hit ' +
    'button buttons tab tabs menu menus item items icon icons link field box checkbox option options ' +
    'thumbnail label entry dropdown list panel pane bar toolbar ribbon window dialog area section ' +
    'element control text named called labelled labeled titled which is it its'
  ).split(' '),
);

export function parseDescription(description: string, elementName?: string): TargetQuery {
  const quoted: string[] = [];
  const unquoted = description.replace(QUOTED, (...groups: unknown[]) => {
    const inner = groups.slice(1, 5).find((g): g is string => typeof g === 'string');
    if (inner?.trim()) quoted.push(inner.trim());
    return ' ';
  });
  // Position words outside quotes only: a label such as 'Align Left' is not a position.
  const { positions, rest } = findPositions(unquoted);
  const first = quoted[0];
  if (first) return { text: first, kind: 'quoted', positions };
  if (elementName?.trim()) return { text: elementName.trim(), kind: 'quoted', positions };
  const keywords = rest
    .split(/[^\p{L}\p{N}'’&+#.-]+/u)
    .map((w) => w.replace(/^[.'’-]+|[.'’-]+$/g, ''))
    .filter((w) => w !== '' && !STOP_WORDS.has(w.toLowerCase()));
  return { text: keywords.join(' '), kind: 'keywords', positions };
}
