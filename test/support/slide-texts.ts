/**
 * Reads the text of every slide of a saved presentation, to check what a test (or an agent)
 * typed into LibreOffice Impress. `.odp` and `.pptx` are zip files; Debian's `unzip -p`
 * extracts one member to stdout, which is simpler than carrying a zip reader.
 */
import { execFile } from 'node:child_process';
import { promisify } from 'node:util';

const run = promisify(execFile);

/** Runs unzip; `-Z1 FILE` lists the members, `-p FILE MEMBER` prints one. */
async function unzip(args: string[]): Promise<string> {
  const { stdout } = await run('unzip', args, { maxBuffer: 256 * 1024 * 1024 });
  return stdout;
}

const listEntries = async (file: string): Promise<string[]> =>
  (await unzip(['-Z1', file])).split('\n').filter((l) => l !== '');
const readEntry = (file: string, entry: string): Promise<string> => unzip(['-p', file, entry]);

function decodeXml(text: string): string {
  return text.replace(/&(#x[0-9a-f]+|#[0-9]+|amp|lt|gt|quot|apos);/gi, (_, ref: string) => {
    const named: Record<string, string> = { amp: '&', lt: '<', gt: '>', quot: '"', apos: "'" };
    if (ref[0] !== '#') return named[ref.toLowerCase()] ?? '';
    return String.fromCodePoint(
      ref[1] === 'x' || ref[1] === 'X' ? parseInt(ref.slice(2), 16) : parseInt(ref.slice(1), 10),
    );
  });
}

/** Attributes of one XML start tag, by qualified name. */
function attributes(tag: string): Map<string, string> {
  const attrs = new Map<string, string>();
  for (const m of tag.matchAll(/([\w:.-]+)\s*=\s*("([^"]*)"|'([^']*)')/g))
    attrs.set(m[1]!, decodeXml(m[3] ?? m[4] ?? ''));
  return attrs;
}

/** ODF: one `draw:page` per slide; paragraphs are `text:p`/`text:h`; speaker notes are left out. */
function odpSlides(contentXml: string): string[][] {
  return [...contentXml.matchAll(/<draw:page\b[^>]*>([\s\S]*?)<\/draw:page>/g)].map(([, page]) => {
    const body = page!.replace(/<presentation:notes\b[\s\S]*?<\/presentation:notes>/g, '');
    return [...body.matchAll(/<text:(p|h)\b[^>]*>([\s\S]*?)<\/text:\1>/g)]
      .map(([, , inner]) =>
        decodeXml(
          inner!
            .replace(/<text:s\s*\/>/g, ' ')
            .replace(/<text:s\b[^>]*text:c="(\d+)"[^>]*\/>/g, (_, n: string) => ' '.repeat(Number(n)))
            .replace(/<text:tab\s*\/>/g, '\t')
            .replace(/<text:line-break\s*\/>/g, '\n')
            .replace(/<[^>]+>/g, ''),
        ),
      )
      .filter((t) => t !== '');
  });
}

/** OOXML paragraphs: `a:p` holding `a:t` runs and `a:br` line breaks. */
function pptxParagraphs(slideXml: string): string[] {
  return [...slideXml.matchAll(/<a:p\b[^>]*>([\s\S]*?)<\/a:p>/g)]
    .map(([, inner]) =>
      [...inner!.matchAll(/<a:t(?:\s[^>]*)?>([\s\S]*?)<\/a:t>|<a:br\b[^>]*\/>/g)]
        .map((m) => (m[0].startsWith('<a:br') ? '\n' : decodeXml(m[1]!)))
        .join(''),
    )
    .filter((t) => t !== '');
}

/** OOXML slide order is `p:sldIdLst` in presentation.xml, resolved through its relationships. */
async function pptxSlides(file: string): Promise<string[][]> {
  const [presentation, rels] = await Promise.all([
    readEntry(file, 'ppt/presentation.xml'),
    readEntry(file, 'ppt/_rels/presentation.xml.rels'),
  ]);
  const targets = new Map<string, string>();
  for (const [tag] of rels.matchAll(/<Relationship\b[^>]*>/g)) {
    const a = attributes(tag);
    targets.set(a.get('Id') ?? '', a.get('Target') ?? '');
  }
  const slideEntries = [...presentation.matchAll(/<p:sldId\b[^>]*>/g)].map(([tag]) => {
    const target = targets.get(attributes(tag).get('r:id') ?? '') ?? '';
    return target.startsWith('/') ? target.slice(1) : `ppt/${target}`;
  });
  return Promise.all(slideEntries.map(async (entry) => pptxParagraphs(await readEntry(file, entry))));
}

/** The non-empty paragraphs of each slide, in slide order. */
export async function readSlideTexts(file: string): Promise<string[][]> {
  const entries = await listEntries(file);
  if (entries.includes('content.xml')) return odpSlides(await readEntry(file, 'content.xml'));
  if (entries.includes('ppt/presentation.xml')) return pptxSlides(file);
  throw new Error(`${file}: neither an OpenDocument nor an OOXML presentation`);
}
