/**
 * Reads a saved presentation (OpenDocument `.odp` or OOXML `.pptx`) into one small model:
 * slides in order, each with its text shapes (title / subtitle / body / text box), paragraphs,
 * runs with the formatting that was set on them (bold, italic, size), and the speaker notes.
 * The eval checkers judge a task by this model, never by the screen.
 *
 * Formatting is what the file states for the run or its paragraph (automatic and named styles
 * in ODF, `a:rPr` / `a:pPr` in OOXML); what a run inherits from a master page is not resolved,
 * because a task such as "make X bold" always leaves an explicit property behind.
 */
import { readFile } from 'node:fs/promises';
import { unzipSync, strFromU8 } from 'fflate';
import { XMLParser, XMLValidator } from 'fast-xml-parser';

export type ShapeRole = 'title' | 'subtitle' | 'body' | 'text';

export interface TextRun {
  readonly text: string;
  readonly bold: boolean;
  readonly italic: boolean;
  /** Font size in points, or null when the file does not set one for this run. */
  readonly sizePt: number | null;
}

export interface Paragraph {
  readonly text: string;
  readonly runs: readonly TextRun[];
}

export interface Shape {
  readonly role: ShapeRole;
  readonly paragraphs: readonly Paragraph[];
}

export interface Slide {
  /** 1-based position in the deck. */
  readonly number: number;
  /** Text of the title (or centred title) placeholder; null when the slide has none or it is empty. */
  readonly title: string | null;
  readonly shapes: readonly Shape[];
  /** Speaker notes, paragraphs joined by newlines ('' when none). */
  readonly notes: string;
}

export interface Presentation {
  readonly format: 'odp' | 'pptx';
  readonly slides: readonly Slide[];
}

/** A file that exists but is not a presentation we can read; the message names the file. */
export class PresentationError extends Error {
  override readonly name = 'PresentationError';
}

// ---------------------------------------------------------------------------------------
// A thin, order-preserving XML tree (fast-xml-parser's preserveOrder form)

interface XmlNode {
  readonly tag: string;
  readonly attrs: Readonly<Record<string, string>>;
  readonly children: readonly XmlNode[];
  /** Text content for '#text' nodes. */
  readonly text: string;
}

const parser = new XMLParser({
  preserveOrder: true,
  ignoreAttributes: false,
  attributeNamePrefix: '',
  trimValues: false,
  parseTagValue: false,
  parseAttributeValue: false,
  processEntities: true,
  htmlEntities: false,
});

type RawNode = Record<string, unknown>;

function toNodes(raw: unknown): XmlNode[] {
  if (!Array.isArray(raw)) return [];
  const nodes: XmlNode[] = [];
  for (const item of raw as RawNode[]) {
    const attrs = (item[':@'] as Record<string, string> | undefined) ?? {};
    for (const [tag, value] of Object.entries(item)) {
      if (tag === ':@') continue;
      if (tag === '#text') nodes.push({ tag, attrs: {}, children: [], text: String(value) });
      else nodes.push({ tag, attrs, children: toNodes(value), text: '' });
    }
  }
  return nodes;
}

function parseXml(xml: string, what: string): XmlNode[] {
  // The parser itself is lenient (an unclosed element is closed for it): a saved file that is
  // cut short must fail as broken, not pass with half its slides.
  const valid = XMLValidator.validate(xml);
  if (valid !== true)
    throw new PresentationError(`${what} is not well-formed XML (${valid.err.msg}, line ${valid.err.line})`);
  try {
    return toNodes(parser.parse(xml));
  } catch (err) {
    throw new PresentationError(`${what} is not well-formed XML (${(err as Error).message.split('\n')[0]})`);
  }
}

function* descendants(node: XmlNode, tag: string): Generator<XmlNode> {
  for (const child of node.children) {
    if (child.tag === tag) yield child;
    else yield* descendants(child, tag);
  }
}

function first(nodes: readonly XmlNode[], tag: string): XmlNode | undefined {
  for (const n of nodes) {
    if (n.tag === tag) return n;
    const found = first(n.children, tag);
    if (found) return found;
  }
  return undefined;
}

// ---------------------------------------------------------------------------------------
// Formatting shared by both formats

interface Format {
  bold?: boolean;
  italic?: boolean;
  sizePt?: number;
}

const merged = (base: Format, over: Format): Format => ({ ...base, ...over });

function run(text: string, f: Format): TextRun {
  return { text, bold: f.bold ?? false, italic: f.italic ?? false, sizePt: f.sizePt ?? null };
}

/** Adjacent runs of the same formatting are one run: editors split runs for reasons of their own. */
function paragraph(runs: TextRun[]): Paragraph {
  const joined: TextRun[] = [];
  for (const r of runs) {
    if (r.text === '') continue;
    const last = joined.at(-1);
    if (last && last.bold === r.bold && last.italic === r.italic && last.sizePt === r.sizePt)
      joined[joined.length - 1] = { ...last, text: last.text + r.text };
    else joined.push(r);
  }
  return { text: joined.map((r) => r.text).join(''), runs: joined };
}

// ---------------------------------------------------------------------------------------
// OpenDocument (content.xml, styles.xml)

function odfFormat(style: XmlNode): Format {
  const props = style.children.find((c) => c.tag === 'style:text-properties');
  if (!props) return {};
  const f: Format = {};
  const weight = props.attrs['fo:font-weight'];
  if (weight !== undefined) f.bold = weight === 'bold' || Number(weight) >= 600;
  const fontStyle = props.attrs['fo:font-style'];
  if (fontStyle !== undefined) f.italic = fontStyle === 'italic' || fontStyle === 'oblique';
  const size = /^([\d.]+)pt$/.exec(props.attrs['fo:font-size'] ?? '');
  if (size) f.sizePt = Number(size[1]);
  return f;
}

/** Style name → its formatting with its parents' applied (automatic styles over named ones). */
function odfStyles(docs: readonly XmlNode[][]): (name: string | undefined) => Format {
  const styles = new Map<string, XmlNode>();
  for (const doc of docs) for (const s of descendantsOf(doc, 'style:style')) styles.set(s.attrs['style:name'] ?? '', s);
  const cache = new Map<string, Format>();
  const resolve = (name: string | undefined, depth = 0): Format => {
    if (name === undefined || depth > 20) return {};
    const hit = cache.get(name);
    if (hit) return hit;
    const style = styles.get(name);
    if (!style) return {};
    const f = merged(resolve(style.attrs['style:parent-style-name'], depth + 1), odfFormat(style));
    cache.set(name, f);
    return f;
  };
  return resolve;
}

function* descendantsOf(nodes: readonly XmlNode[], tag: string): Generator<XmlNode> {
  for (const n of nodes) {
    if (n.tag === tag) yield n;
    yield* descendantsOf(n.children, tag);
  }
}

function odfRuns(node: XmlNode, f: Format, styleOf: (n: string | undefined) => Format, out: TextRun[]): void {
  for (const c of node.children) {
    switch (c.tag) {
      case '#text':
        out.push(run(c.text, f));
        break;
      case 'text:s':
        out.push(run(' '.repeat(Number(c.attrs['text:c'] ?? 1)), f));
        break;
      case 'text:tab':
        out.push(run('\t', f));
        break;
      case 'text:line-break':
        out.push(run('\n', f));
        break;
      case 'text:span':
      case 'text:a':
        odfRuns(c, merged(f, styleOf(c.attrs['text:style-name'])), styleOf, out);
        break;
      default:
        // fields (page number, date) and annotations: their visible text only
        if (!c.tag.startsWith('office:annotation')) odfRuns(c, f, styleOf, out);
    }
  }
}

function odfParagraphs(box: XmlNode, styleOf: (n: string | undefined) => Format): Paragraph[] {
  const out: Paragraph[] = [];
  const walk = (node: XmlNode): void => {
    for (const c of node.children) {
      if (c.tag === 'text:p' || c.tag === 'text:h') {
        const runs: TextRun[] = [];
        odfRuns(c, styleOf(c.attrs['text:style-name']), styleOf, runs);
        out.push(paragraph(runs));
      } else walk(c);
    }
  };
  walk(box);
  return out.filter((p) => p.text !== '');
}

const ODF_ROLES: Record<string, ShapeRole> = { title: 'title', subtitle: 'subtitle', outline: 'body', text: 'body' };

function odpSlides(content: XmlNode[], styles: XmlNode[]): Slide[] {
  const styleOf = odfStyles([styles, content]);
  const pages = [...descendantsOf(content, 'draw:page')];
  return pages.map((page, i) => {
    const shapes: Shape[] = [];
    let notes = '';
    for (const c of page.children) {
      if (c.tag === 'presentation:notes') {
        notes = [...descendants(c, 'draw:frame')]
          .filter((f) => f.attrs['presentation:class'] === 'notes')
          .flatMap((f) => odfParagraphs(f, styleOf).map((p) => p.text))
          .join('\n');
        continue;
      }
      if (c.tag !== 'draw:frame' && c.tag !== 'draw:custom-shape' && c.tag !== 'draw:g') continue;
      const cls = c.attrs['presentation:class'];
      if (cls !== undefined && !(cls in ODF_ROLES)) continue; // page numbers, dates, footers, graphics
      const paragraphs = odfParagraphs(c, styleOf);
      if (paragraphs.length === 0) continue;
      shapes.push({ role: cls === undefined ? 'text' : ODF_ROLES[cls]!, paragraphs });
    }
    const title = shapes.find((s) => s.role === 'title');
    return { number: i + 1, title: title ? title.paragraphs.map((p) => p.text).join('\n') : null, shapes, notes };
  });
}

// ---------------------------------------------------------------------------------------
// Office Open XML (ppt/presentation.xml, slides, notes slides)

function ooxmlFormat(props: XmlNode | undefined): Format {
  if (!props) return {};
  const f: Format = {};
  if (props.attrs.b !== undefined) f.bold = props.attrs.b === '1' || props.attrs.b === 'true';
  if (props.attrs.i !== undefined) f.italic = props.attrs.i === '1' || props.attrs.i === 'true';
  if (props.attrs.sz !== undefined && Number.isFinite(Number(props.attrs.sz))) f.sizePt = Number(props.attrs.sz) / 100;
  return f;
}

function ooxmlParagraphs(body: XmlNode): Paragraph[] {
  const out: Paragraph[] = [];
  for (const p of descendants(body, 'a:p')) {
    const base = ooxmlFormat(p.children.find((c) => c.tag === 'a:pPr')?.children.find((c) => c.tag === 'a:defRPr'));
    const runs: TextRun[] = [];
    for (const c of p.children) {
      if (c.tag === 'a:r' || c.tag === 'a:fld') {
        const f = merged(base, ooxmlFormat(c.children.find((k) => k.tag === 'a:rPr')));
        const t = c.children.find((k) => k.tag === 'a:t');
        runs.push(run(t ? t.children.map((k) => k.text).join('') : '', f));
      } else if (c.tag === 'a:br') runs.push(run('\n', base));
    }
    out.push(paragraph(runs));
  }
  return out.filter((p) => p.text !== '');
}

const OOXML_ROLES: Record<string, ShapeRole> = {
  title: 'title',
  ctrTitle: 'title',
  subTitle: 'subtitle',
  body: 'body',
  obj: 'body',
};

function ooxmlShapes(slide: XmlNode[]): Shape[] {
  const tree = first(slide, 'p:spTree');
  if (!tree) return [];
  const shapes: Shape[] = [];
  for (const sp of descendants(tree, 'p:sp')) {
    const ph = first(sp.children, 'p:ph');
    const body = sp.children.find((c) => c.tag === 'p:txBody');
    if (!body) continue;
    let role: ShapeRole = 'text';
    if (ph) {
      const type = ph.attrs.type ?? 'body'; // a placeholder with only an idx is a body placeholder
      if (!(type in OOXML_ROLES)) continue; // sldNum, dt, ftr, hdr
      role = OOXML_ROLES[type]!;
    }
    const paragraphs = ooxmlParagraphs(body);
    if (paragraphs.length > 0) shapes.push({ role, paragraphs });
  }
  return shapes;
}

function relationships(xml: string | undefined, what: string): Map<string, { target: string; type: string }> {
  const rels = new Map<string, { target: string; type: string }>();
  if (xml === undefined) return rels;
  for (const r of descendantsOf(parseXml(xml, what), 'Relationship'))
    rels.set(r.attrs.Id ?? '', { target: r.attrs.Target ?? '', type: r.attrs.Type ?? '' });
  return rels;
}

/** Resolves a relationship target against the folder of the part that names it. */
function partPath(from: string, target: string): string {
  if (target.startsWith('/')) return target.slice(1);
  const parts = from.split('/').slice(0, -1);
  for (const seg of target.split('/')) {
    if (seg === '..') parts.pop();
    else if (seg !== '.') parts.push(seg);
  }
  return parts.join('/');
}

function pptxSlides(read: (entry: string) => string | undefined): Slide[] {
  const presentation = read('ppt/presentation.xml')!;
  const rels = relationships(read('ppt/_rels/presentation.xml.rels'), 'ppt/_rels/presentation.xml.rels');
  const ids = [...descendantsOf(parseXml(presentation, 'ppt/presentation.xml'), 'p:sldId')];
  return ids.map((id, i) => {
    const rel = rels.get(id.attrs['r:id'] ?? '');
    if (!rel) throw new PresentationError(`ppt/presentation.xml names slide ${id.attrs['r:id']} with no relationship`);
    const entry = partPath('ppt/presentation.xml', rel.target);
    const xml = read(entry);
    if (xml === undefined) throw new PresentationError(`slide part ${entry} is missing`);
    const shapes = ooxmlShapes(parseXml(xml, entry));
    const relsEntry = entry.replace(/([^/]+)$/, '_rels/$1.rels');
    const notesRel = [...relationships(read(relsEntry), relsEntry).values()].find((r) =>
      r.type.endsWith('/notesSlide'),
    );
    let notes = '';
    if (notesRel) {
      const notesEntry = partPath(entry, notesRel.target);
      const notesXml = read(notesEntry);
      if (notesXml !== undefined)
        notes = ooxmlShapes(parseXml(notesXml, notesEntry))
          .filter((s) => s.role === 'body')
          .flatMap((s) => s.paragraphs.map((p) => p.text))
          .join('\n');
    }
    const title = shapes.find((s) => s.role === 'title');
    return { number: i + 1, title: title ? title.paragraphs.map((p) => p.text).join('\n') : null, shapes, notes };
  });
}

// ---------------------------------------------------------------------------------------

/** Parses presentation bytes; `name` is only used in error messages. */
export function parsePresentation(bytes: Uint8Array, name: string): Presentation {
  let entries: Record<string, Uint8Array>;
  try {
    entries = unzipSync(bytes);
  } catch (err) {
    throw new PresentationError(`${name}: not a zip file (${(err as Error).message})`);
  }
  const read = (entry: string): string | undefined => {
    const data = entries[entry];
    return data === undefined ? undefined : strFromU8(data);
  };
  try {
    const content = read('content.xml');
    if (content !== undefined) {
      const mimetype = read('mimetype');
      if (mimetype !== undefined && !mimetype.includes('presentation'))
        throw new PresentationError(`an OpenDocument file of type ${mimetype.trim()}, not a presentation`);
      const styles = read('styles.xml');
      return {
        format: 'odp',
        slides: odpSlides(parseXml(content, 'content.xml'), styles ? parseXml(styles, 'styles.xml') : []),
      };
    }
    if (read('ppt/presentation.xml') !== undefined) return { format: 'pptx', slides: pptxSlides(read) };
  } catch (err) {
    if (err instanceof PresentationError) throw new PresentationError(`${name}: ${err.message}`);
    throw err;
  }
  throw new PresentationError(`${name}: neither an OpenDocument (.odp) nor an OOXML (.pptx) presentation`);
}

/** Reads and parses a presentation file. */
export async function readPresentation(file: string): Promise<Presentation> {
  let bytes: Buffer;
  try {
    bytes = await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code;
    throw new PresentationError(code === 'ENOENT' ? `${file}: no such file` : `${file}: cannot be read (${code})`);
  }
  return parsePresentation(bytes, file);
}

/** All non-empty paragraph texts of a slide in reading order (titles first as stored). */
export function slideTexts(slide: Slide): string[] {
  return slide.shapes.flatMap((s) => s.paragraphs.map((p) => p.text));
}
