/**
 * The eval file checkers on hand-made presentations: .odp and .pptx files written by
 * `deck-writer.ts` (the pptx with slide files numbered against their order, so the reader must
 * follow sldIdLst), files that must fail, broken files, and — with LibreOffice — real files that
 * Impress itself wrote, so the readers are held to what the application saves.
 */
import { execFile } from 'node:child_process';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { strToU8, zipSync } from 'fflate';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { CheckSchema, runChecks, textMatches, type Check } from '../../src/eval/checks.js';
import { writeOdp, writePptx } from '../../src/eval/deck-writer.js';
import { readPresentation } from '../../src/eval/presentation.js';
import type { DeckSlide } from '../../src/eval/suite.js';

const DECK: DeckSlide[] = [
  { title: 'Quarterly **Goals**', body: ['Grow _revenue_', '{28pt}Hire{/} two people'], notes: 'Say hello' },
  { title: 'Budget', body: ['Travel', 'Tools'], boxes: ['Draft only'] },
  { title: 'Questions' },
];

let dir: string;
beforeAll(() => {
  dir = fs.mkdtempSync(path.join(os.tmpdir(), 'pcagent-checks-'));
  fs.writeFileSync(path.join(dir, 'deck.odp'), writeOdp(DECK));
  fs.writeFileSync(path.join(dir, 'deck.pptx'), writePptx(DECK));
  fs.writeFileSync(path.join(dir, 'notes.txt'), 'not a presentation');
  fs.writeFileSync(
    path.join(dir, 'broken.odp'),
    zipSync({ 'content.xml': strToU8('<office:document-content><unclosed>') }),
  );
  fs.writeFileSync(
    path.join(dir, 'sheet.ods'),
    zipSync({ mimetype: strToU8('application/vnd.oasis.opendocument.spreadsheet'), 'content.xml': strToU8('<a/>') }),
  );
});
afterAll(() => fs.rmSync(dir, { recursive: true, force: true }));

const check = (c: Record<string, unknown>): Check => CheckSchema.parse(c);
async function verdict(c: Record<string, unknown>): Promise<{ pass: boolean; detail: string }> {
  const [r] = await runChecks([check(c)], dir);
  return r!;
}

describe('presentation reader', () => {
  for (const file of ['deck.odp', 'deck.pptx']) {
    it(`reads slides, roles, runs and notes of ${file}`, async () => {
      const p = await readPresentation(path.join(dir, file));
      expect(p.format).toBe(file.endsWith('odp') ? 'odp' : 'pptx');
      expect(p.slides.map((s) => s.title)).toEqual(['Quarterly Goals', 'Budget', 'Questions']);
      const body = p.slides[0]!.shapes.find((s) => s.role === 'body')!;
      expect(body.paragraphs.map((x) => x.text)).toEqual(['Grow revenue', 'Hire two people']);
      expect(p.slides[1]!.shapes.map((s) => s.role)).toEqual(['title', 'body', 'text']);
      expect(p.slides[0]!.shapes[0]!.paragraphs[0]!.runs).toEqual([
        { text: 'Quarterly ', bold: false, italic: false, sizePt: null },
        { text: 'Goals', bold: true, italic: false, sizePt: null },
      ]);
      expect(body.paragraphs[1]!.runs[0]).toEqual({ text: 'Hire', bold: false, italic: false, sizePt: 28 });
      expect(p.slides.map((s) => s.notes)).toEqual(['Say hello', '', '']);
    });
  }
});

describe('checkers', () => {
  for (const file of ['deck.odp', 'deck.pptx']) {
    describe(file, () => {
      it('pass on what the deck holds', async () => {
        const checks = [
          { type: 'file', file },
          { type: 'slide-count', file, count: 3 },
          { type: 'slide-count', file, min: 2, max: 3 },
          { type: 'title', file, slide: 2, text: 'budget' },
          { type: 'title', file, slide: 1, text: 'Quarterly Goals', match: 'exact' },
          { type: 'text', file, slide: 2, paragraphs: ['Travel', 'Tools'], ordered: true },
          { type: 'text', file, slide: 1, paragraphs: ['two people'], match: 'contains' },
          { type: 'format', file, slide: 1, text: 'Goals', bold: true },
          { type: 'format', file, text: 'Quarterly', bold: false },
          { type: 'format', file, slide: 1, text: 'revenue', italic: true },
          { type: 'format', file, slide: 1, text: 'Hire', size: 28 },
          { type: 'notes', file, slide: 1, text: 'say  hello' },
          { type: 'notes', file, slide: 2, text: '' },
          { type: 'order', file, titles: ['Quarterly Goals', 'Budget', 'Questions'] },
          { type: 'order', file, titles: ['Quarterly Goals', 'Budget'] },
          { type: 'absent', file, text: 'Obsolete' },
          { type: 'text', file, slide: 2, paragraphs: ['Draft only'], shape: 'text' },
          { type: 'text', file, slide: 2, paragraphs: ['Travel'], shape: 'body' },
        ];
        const results = await runChecks(checks.map(check), dir);
        expect(results.filter((r) => !r.pass).map((r) => r.detail)).toEqual([]);
      });

      it('fail with a reason on what the deck does not hold', async () => {
        const cases: Array<[Record<string, unknown>, RegExp]> = [
          [{ type: 'file', file, format: file.endsWith('odp') ? 'pptx' : 'odp' }, /saved as (odp|pptx), expected/],
          [{ type: 'slide-count', file, count: 2 }, /3 slide\(s\), expected 2/],
          [{ type: 'slide-count', file, min: 4 }, /expected ≥ 4/],
          [{ type: 'title', file, slide: 2, text: 'Costs' }, /slide 2 title is 'Budget', expected 'Costs'/],
          [
            { type: 'title', file, slide: 1, text: 'quarterly goals', match: 'exact' },
            /expected 'quarterly goals' \(exact\)/,
          ],
          [{ type: 'title', file, slide: 9, text: 'x' }, /slide 9 does not exist \(the deck has 3\)/],
          [
            { type: 'text', file, slide: 2, paragraphs: ['Tools', 'Travel'], ordered: true },
            /no paragraph 'Travel' after the previous one/,
          ],
          [{ type: 'text', file, slide: 3, paragraphs: ['Anything'] }, /it has no text/],
          [
            { type: 'text', file, slide: 2, paragraphs: ['Travel'], shape: 'text' },
            /no paragraph 'Travel' in a text box \(it has 'Draft only' in a text box\)/,
          ],
          [{ type: 'text', file, slide: 2, paragraphs: ['Draft only'], shape: 'body' }, /in a body/],
          [{ type: 'text', file, slide: 1, paragraphs: ['Quarterly Goals'] }, /no paragraph/], // titles are not body text
          [{ type: 'format', file, slide: 1, text: 'Quarterly', bold: true }, /'Quarterly' on slide 1 is not bold/],
          [{ type: 'format', file, slide: 1, text: 'Goals', italic: true }, /is not italic/],
          [{ type: 'format', file, slide: 1, text: 'two people', size: 28 }, /size unset, expected 28 pt/],
          [{ type: 'format', file, text: 'Nowhere', bold: true }, /no paragraph holds 'Nowhere'/],
          [{ type: 'notes', file, slide: 1, text: 'Say goodbye' }, /notes are 'Say hello', expected 'Say goodbye'/],
          [
            { type: 'order', file, titles: ['Budget', 'Quarterly Goals'] },
            /slide titles are 'Quarterly Goals', 'Budget', 'Questions'/,
          ],
          [{ type: 'absent', file, text: 'travel' }, /'travel' is still on slide 2/],
        ];
        for (const [c, reason] of cases) {
          const r = await verdict(c);
          expect(r.pass, JSON.stringify(c)).toBe(false);
          expect(r.detail, JSON.stringify(c)).toMatch(reason);
        }
      });
    });
  }

  it('fails every check on a missing or unreadable file, with the reason, and runs the others', async () => {
    const results = await runChecks(
      [
        check({ type: 'file', file: 'missing.odp' }),
        check({ type: 'title', file: 'missing.odp', slide: 1, text: 'x' }),
        check({ type: 'file', file: 'notes.txt' }),
        check({ type: 'file', file: 'broken.odp' }),
        check({ type: 'file', file: 'sheet.ods' }),
        check({ type: 'title', file: 'deck.odp', slide: 3, text: 'Questions' }),
      ],
      dir,
    );
    expect(results.map((r) => r.pass)).toEqual([false, false, false, false, false, true]);
    expect(results[0]!.detail).toBe('missing.odp: no such file');
    expect(results[1]!.detail).toBe('missing.odp: no such file');
    expect(results[2]!.detail).toMatch(/^notes\.txt: not a zip file/);
    expect(results[3]!.detail).toMatch(/^broken\.odp: content\.xml is not well-formed XML/);
    expect(results[4]!.detail).toMatch(/^sheet\.ods: .*spreadsheet, not a presentation/);
  });

  it('refuses check definitions that point outside the task folder or miss fields', () => {
    expect(CheckSchema.safeParse({ type: 'file', file: '../x.odp' }).success).toBe(false);
    expect(CheckSchema.safeParse({ type: 'file', file: '/etc/x.odp' }).success).toBe(false);
    expect(CheckSchema.safeParse({ type: 'title', file: 'a.odp', text: 'x' }).success).toBe(false);
    expect(CheckSchema.safeParse({ type: 'colour', file: 'a.odp' }).success).toBe(false);
  });

  it('matches text exactly, normalised or by containment', () => {
    expect(textMatches('Q3 “Goals” –  now ', 'q3 "goals" - now', 'normalised')).toBe(true);
    expect(textMatches('Q3 Goals', 'q3 goals', 'exact')).toBe(false);
    expect(textMatches('Revenue grew 20%', 'grew 20', 'contains')).toBe(true);
    expect(textMatches('Revenue', 'Revenues', 'contains')).toBe(false);
  });
});

// Real files saved by LibreOffice: the hand-made deck converted by Impress to .pptx and back.
const run = promisify(execFile);
const hasSoffice = fs.existsSync('/usr/bin/soffice');
describe.skipIf(!hasSoffice)('files written by LibreOffice Impress', () => {
  it('reads titles, bodies, formatting and notes from Impress .pptx and .odp output', async () => {
    const profile = path.join(dir, 'profile');
    const out = path.join(dir, 'lo');
    const convert = (input: string, format: string): Promise<unknown> =>
      run(
        'soffice',
        ['--headless', `-env:UserInstallation=file://${profile}`, '--convert-to', format, '--outdir', out, input],
        {
          timeout: 120_000,
        },
      );
    await convert(path.join(dir, 'deck.odp'), 'pptx');
    fs.renameSync(path.join(out, 'deck.pptx'), path.join(out, 'impress.pptx'));
    await convert(path.join(dir, 'deck.pptx'), 'odp');
    fs.renameSync(path.join(out, 'deck.odp'), path.join(out, 'impress.odp'));
    for (const file of ['impress.pptx', 'impress.odp']) {
      const checks = [
        { type: 'file', file, format: file.slice(-4).replace('.', '') },
        { type: 'order', file, titles: ['Quarterly Goals', 'Budget', 'Questions'], match: 'exact' },
        { type: 'text', file, slide: 1, paragraphs: ['Grow revenue', 'Hire two people'], ordered: true },
        { type: 'format', file, slide: 1, text: 'Goals', bold: true },
        { type: 'format', file, slide: 1, text: 'Quarterly', bold: false },
        { type: 'format', file, slide: 1, text: 'revenue', italic: true },
        { type: 'format', file, slide: 1, text: 'Hire', size: 28 },
        { type: 'notes', file, slide: 1, text: 'Say hello' },
      ];
      const results = await runChecks(checks.map(check), out);
      expect(
        results.filter((r) => !r.pass).map((r) => r.detail),
        file,
      ).toEqual([]);
    }
  }, 240_000);
});
