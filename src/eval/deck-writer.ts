/**
 * Writes small presentations from a list of slides: an OpenDocument `.odp` that LibreOffice
 * opens as a task's start file, and (for the checkers' own tests and for suites that start
 * from PowerPoint files) a minimal `.pptx`. Formatting can be given per run with a light
 * markup in the text: `**bold**`, `_italic_`, `{24pt}text{/}`.
 */
import { strToU8, zipSync, type Zippable } from 'fflate';
import type { DeckSlide } from './suite.js';

interface Run {
  text: string;
  bold: boolean;
  italic: boolean;
  sizePt: number | null;
}

/** `**bold**`, `_italic_` and `{NNpt}…{/}` spans, not nested across each other. */
export function parseRuns(text: string): Run[] {
  const runs: Run[] = [];
  const re = /\*\*(.+?)\*\*|(?<![\w])_(.+?)_(?![\w])|\{(\d+(?:\.\d+)?)pt\}(.+?)\{\/\}/g;
  let last = 0;
  for (const m of text.matchAll(re)) {
    if (m.index > last) runs.push({ text: text.slice(last, m.index), bold: false, italic: false, sizePt: null });
    if (m[1] !== undefined) runs.push({ text: m[1], bold: true, italic: false, sizePt: null });
    else if (m[2] !== undefined) runs.push({ text: m[2], bold: false, italic: true, sizePt: null });
    else runs.push({ text: m[4]!, bold: false, italic: false, sizePt: Number(m[3]) });
    last = m.index + m[0].length;
  }
  if (last < text.length) runs.push({ text: text.slice(last), bold: false, italic: false, sizePt: null });
  return runs;
}

const esc = (s: string): string =>
  s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');

// ---------------------------------------------------------------------------------------
// OpenDocument

function odfRunStyles(slides: readonly DeckSlide[]): Map<string, string> {
  const names = new Map<string, string>();
  for (const s of slides)
    for (const t of [s.title ?? '', ...(s.body ?? []), ...(s.boxes ?? [])])
      for (const r of parseRuns(t)) {
        const key = `${r.bold}|${r.italic}|${r.sizePt}`;
        if ((r.bold || r.italic || r.sizePt !== null) && !names.has(key)) names.set(key, `T${names.size + 1}`);
      }
  return names;
}

function odfParagraph(text: string, styles: Map<string, string>): string {
  return `<text:p>${parseRuns(text)
    .map((r) => {
      const name = styles.get(`${r.bold}|${r.italic}|${r.sizePt}`);
      return name ? `<text:span text:style-name="${name}">${esc(r.text)}</text:span>` : esc(r.text);
    })
    .join('')}</text:p>`;
}

/** Bytes of an .odp with one page per slide: title and outline placeholders, notes. */
export function writeOdp(slides: readonly DeckSlide[]): Uint8Array {
  const styles = odfRunStyles(slides);
  const textStyles = [...styles]
    .map(([key, name]) => {
      const [bold, italic, size] = key.split('|');
      const props = [
        bold === 'true' ? 'fo:font-weight="bold"' : '',
        italic === 'true' ? 'fo:font-style="italic"' : '',
        size !== 'null' ? `fo:font-size="${size}pt"` : '',
      ].join(' ');
      return `<style:style style:name="${name}" style:family="text"><style:text-properties ${props}/></style:style>`;
    })
    .join('');
  const pages = slides
    .map((s, i) => {
      const title =
        s.title !== undefined
          ? `<draw:frame presentation:class="title" presentation:style-name="pr1" svg:x="2cm" svg:y="1cm" svg:width="24cm" svg:height="3cm"><draw:text-box>${odfParagraph(s.title, styles)}</draw:text-box></draw:frame>`
          : '';
      const body =
        s.body && s.body.length
          ? `<draw:frame presentation:class="outline" presentation:style-name="pr2" svg:x="2cm" svg:y="5cm" svg:width="24cm" svg:height="9cm"><draw:text-box><text:list>${s.body
              .map((b) => `<text:list-item>${odfParagraph(b, styles)}</text:list-item>`)
              .join('')}</text:list></draw:text-box></draw:frame>`
          : '';
      const boxes = (s.boxes ?? [])
        .map(
          (b, j) =>
            `<draw:frame svg:x="2cm" svg:y="${14 + j}cm" svg:width="10cm" svg:height="1cm"><draw:text-box>${odfParagraph(b, styles)}</draw:text-box></draw:frame>`,
        )
        .join('');
      const notes = `<presentation:notes><draw:frame presentation:class="notes" presentation:style-name="pr3" svg:x="2cm" svg:y="14cm" svg:width="17cm" svg:height="11cm"><draw:text-box>${
        s.notes ? `<text:p>${esc(s.notes)}</text:p>` : ''
      }</draw:text-box></draw:frame></presentation:notes>`;
      return `<draw:page draw:name="page${i + 1}" draw:master-page-name="Default" presentation:presentation-page-layout-name="AL1T1">${title}${body}${boxes}${notes}</draw:page>`;
    })
    .join('');
  const ns =
    'xmlns:office="urn:oasis:names:tc:opendocument:xmlns:office:1.0" xmlns:style="urn:oasis:names:tc:opendocument:xmlns:style:1.0" xmlns:text="urn:oasis:names:tc:opendocument:xmlns:text:1.0" xmlns:draw="urn:oasis:names:tc:opendocument:xmlns:drawing:1.0" xmlns:fo="urn:oasis:names:tc:opendocument:xmlns:xsl-fo-compatible:1.0" xmlns:svg="urn:oasis:names:tc:opendocument:xmlns:svg-compatible:1.0" xmlns:presentation="urn:oasis:names:tc:opendocument:xmlns:presentation:1.0"';
  const content = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-content ${ns} office:version="1.3"><office:automatic-styles>${textStyles}<style:style style:name="pr1" style:family="presentation" style:parent-style-name="Default-title"/><style:style style:name="pr2" style:family="presentation" style:parent-style-name="Default-outline1"/><style:style style:name="pr3" style:family="presentation" style:parent-style-name="Default-notes"/><style:presentation-page-layout style:name="AL1T1"><presentation:placeholder presentation:object="title" svg:x="2cm" svg:y="1cm" svg:width="24cm" svg:height="3cm"/><presentation:placeholder presentation:object="outline" svg:x="2cm" svg:y="5cm" svg:width="24cm" svg:height="9cm"/></style:presentation-page-layout></office:automatic-styles><office:body><office:presentation>${pages}</office:presentation></office:body></office:document-content>`;
  const styles_ = `<?xml version="1.0" encoding="UTF-8"?>
<office:document-styles ${ns} office:version="1.3"><office:styles><style:style style:name="Default-title" style:family="presentation"/><style:style style:name="Default-outline1" style:family="presentation"/><style:style style:name="Default-notes" style:family="presentation"/></office:styles><office:automatic-styles><style:page-layout style:name="PM1"><style:page-layout-properties fo:page-width="28cm" fo:page-height="15.75cm" style:print-orientation="landscape"/></style:page-layout></office:automatic-styles><office:master-styles><style:master-page style:name="Default" style:page-layout-name="PM1"/></office:master-styles></office:document-styles>`;
  const manifest = `<?xml version="1.0" encoding="UTF-8"?>
<manifest:manifest xmlns:manifest="urn:oasis:names:tc:opendocument:xmlns:manifest:1.0" manifest:version="1.3"><manifest:file-entry manifest:full-path="/" manifest:media-type="application/vnd.oasis.opendocument.presentation"/><manifest:file-entry manifest:full-path="content.xml" manifest:media-type="text/xml"/><manifest:file-entry manifest:full-path="styles.xml" manifest:media-type="text/xml"/></manifest:manifest>`;
  // ODF requires `mimetype` first and stored uncompressed.
  const files: Zippable = {
    mimetype: [strToU8('application/vnd.oasis.opendocument.presentation'), { level: 0 }],
    'content.xml': strToU8(content),
    'styles.xml': strToU8(styles_),
    'META-INF/manifest.xml': strToU8(manifest),
  };
  return zipSync(files);
}

// ---------------------------------------------------------------------------------------
// Office Open XML (the parts a reader needs; enough for PowerPoint-style checkers)

function ooxmlParagraph(text: string): string {
  return `<a:p>${parseRuns(text)
    .map((r) => {
      const attrs = [
        r.bold ? ' b="1"' : '',
        r.italic ? ' i="1"' : '',
        r.sizePt !== null ? ` sz="${Math.round(r.sizePt * 100)}"` : '',
      ].join('');
      return `<a:r><a:rPr lang="en-US"${attrs}/><a:t>${esc(r.text)}</a:t></a:r>`;
    })
    .join('')}</a:p>`;
}

const P_NS =
  'xmlns:a="http://schemas.openxmlformats.org/drawingml/2006/main" xmlns:r="http://schemas.openxmlformats.org/officeDocument/2006/relationships" xmlns:p="http://schemas.openxmlformats.org/presentationml/2006/main"';
const REL = 'http://schemas.openxmlformats.org/officeDocument/2006/relationships';

function placeholderShape(id: number, type: string, paragraphs: string[]): string {
  return `<p:sp><p:nvSpPr><p:cNvPr id="${id}" name="${type} ${id}"/><p:cNvSpPr/><p:nvPr><p:ph type="${type}"${type === 'body' ? ` idx="${id}"` : ''}/></p:nvPr></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/>${paragraphs.join('')}</p:txBody></p:sp>`;
}

/** Bytes of a minimal .pptx: presentation, slides (title + body placeholders) and notes slides. */
export function writePptx(slides: readonly DeckSlide[]): Uint8Array {
  const files: Zippable = {};
  const relsOf = (rels: Array<[string, string, string]>): Uint8Array =>
    strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Relationships xmlns="http://schemas.openxmlformats.org/package/2006/relationships">${rels
        .map(([id, type, target]) => `<Relationship Id="${id}" Type="${REL}/${type}" Target="${target}"/>`)
        .join('')}</Relationships>`,
    );
  // Slide files are numbered in reverse to make sure readers follow sldIdLst, not file names.
  const fileNo = (i: number): number => slides.length - i;
  slides.forEach((s, i) => {
    const shapes = [
      s.title !== undefined ? placeholderShape(2, 'title', [ooxmlParagraph(s.title)]) : '',
      s.body?.length ? placeholderShape(3, 'body', s.body.map(ooxmlParagraph)) : '',
      ...(s.boxes ?? []).map(
        (b, j) =>
          `<p:sp><p:nvSpPr><p:cNvPr id="${10 + j}" name="TextBox ${10 + j}"/><p:cNvSpPr txBox="1"/><p:nvPr/></p:nvSpPr><p:spPr/><p:txBody><a:bodyPr/><a:lstStyle/>${ooxmlParagraph(b)}</p:txBody></p:sp>`,
      ),
    ].join('');
    files[`ppt/slides/slide${fileNo(i)}.xml`] = strToU8(
      `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p:sld ${P_NS}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>${shapes}</p:spTree></p:cSld></p:sld>`,
    );
    if (s.notes) {
      files[`ppt/notesSlides/notesSlide${fileNo(i)}.xml`] = strToU8(
        `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p:notes ${P_NS}><p:cSld><p:spTree><p:nvGrpSpPr><p:cNvPr id="1" name=""/><p:cNvGrpSpPr/><p:nvPr/></p:nvGrpSpPr><p:grpSpPr/>${placeholderShape(2, 'sldImg', [])}${placeholderShape(3, 'body', [ooxmlParagraph(s.notes)])}</p:spTree></p:cSld></p:notes>`,
      );
      files[`ppt/slides/_rels/slide${fileNo(i)}.xml.rels`] = relsOf([
        ['rId1', 'notesSlide', `../notesSlides/notesSlide${fileNo(i)}.xml`],
      ]);
    }
  });
  files['ppt/presentation.xml'] = strToU8(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><p:presentation ${P_NS}><p:sldIdLst>${slides
      .map((_, i) => `<p:sldId id="${256 + i}" r:id="rId${i + 1}"/>`)
      .join('')}</p:sldIdLst><p:sldSz cx="12192000" cy="6858000"/></p:presentation>`,
  );
  files['ppt/_rels/presentation.xml.rels'] = relsOf(
    slides.map((_, i) => [`rId${i + 1}`, 'slide', `slides/slide${fileNo(i)}.xml`]),
  );
  files['[Content_Types].xml'] = strToU8(
    `<?xml version="1.0" encoding="UTF-8" standalone="yes"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/><Default Extension="rels" ContentType="application/vnd.openxmlformats-package.relationships+xml"/><Override PartName="/ppt/presentation.xml" ContentType="application/vnd.openxmlformats-officedocument.presentationml.presentation.main+xml"/></Types>`,
  );
  files['_rels/.rels'] = relsOf([['rId1', 'officeDocument', 'ppt/presentation.xml']]);
  return zipSync(files);
}
