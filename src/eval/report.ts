/**
 * The eval report: `report.json` (every attempt with its checks) and a self-contained
 * `report.html` — the summary (success rate in all and per level), one row per attempt with
 * its reason, steps, time and tokens, linked to the attempt's trajectory, which is written by
 * the HTML dataset export (frames embedded) into `trajectories/`.
 */
import fs from 'node:fs';
import path from 'node:path';
import type { Library } from '../library/library.js';
import { exportRecordings } from '../pipeline/export/index.js';
import { escapeHtml } from '../pipeline/export/html.js';
import { writeFileAtomic } from '../library/atomic-file.js';
import { summarise, type EvalRun } from './runner.js';

export const REPORT_JSON = 'report.json';
export const REPORT_HTML = 'report.html';

const pct = (n: number, d: number): string => (d === 0 ? '–' : `${Math.round((100 * n) / d)} %`);
const seconds = (ms: number): string => `${(ms / 1000).toFixed(1)} s`;

/**
 * The agent beside its baseline per perturbation, as text lines (the CLI's summary, the bench):
 * `perturbation  replay (semantic)  replay (coordinates)`; empty without a baseline.
 */
export function comparisonLines(run: EvalRun): string[] {
  const sum = summarise(run);
  if (!sum.byAgent || !run.baseline) return [];
  const names = [run.agent, run.baseline];
  const rows = Object.keys(sum.byAgent[run.agent] ?? {}).map((p) => [
    p,
    ...names.map((n) => {
      const t = sum.byAgent![n]?.[p];
      return t ? `${pct(t.successes, t.total)} (${t.successes}/${t.total})` : '–';
    }),
  ]);
  const table = [['perturbation', ...names], ...rows];
  const widths = names.map((_, i) => Math.max(...table.map((r) => r[i]!.length))).concat([0]);
  return table.map((r) => r.map((c, i) => (i < r.length - 1 ? c.padEnd(widths[i]! + 2) : c)).join(''));
}

/** Writes the trajectories, report.json and report.html; returns the two report paths. */
export async function writeReport(lib: Library, run: EvalRun, dir: string): Promise<{ json: string; html: string }> {
  // Trajectory pages: one HTML export of the attempts' agent recordings.
  const ids = run.attempts.map((a) => a.agent?.recordingId).filter((id): id is number => id != null);
  const pages = new Map<number, string>();
  if (ids.length > 0) {
    const out = path.join(dir, 'trajectories');
    const exported = await exportRecordings(
      lib,
      ids.map((id) => lib.getRecording(id)),
      'html',
      out,
    );
    for (const r of exported.recordings) {
      const page = r.files.find((f) => f.endsWith('.html'));
      if (page) pages.set(r.id, path.relative(dir, page).split(path.sep).join('/'));
    }
  }
  const sum = summarise(run);
  const json = path.join(dir, REPORT_JSON);
  writeFileAtomic(json, Buffer.from(`${JSON.stringify({ ...run, summary: sum }, null, 2)}\n`));

  const levelRows = Object.entries(sum.byLevel)
    .map(
      ([level, l]) =>
        `<tr><td>${escapeHtml(level)}</td><td>${l.successes} / ${l.total}</td><td>${pct(l.successes, l.total)}</td></tr>`,
    )
    .join('');
  const perturbRows = Object.entries(sum.byPerturbation)
    .map(
      ([p, t]) =>
        `<tr><td>${escapeHtml(p)}</td><td>${t.successes} / ${t.total}</td><td>${pct(t.successes, t.total)}</td></tr>`,
    )
    .join('');
  // Robustness: the agent beside its baseline, per perturbation (e.g. semantic vs coordinates).
  const agentsCompared = sum.byAgent ? [run.agent, ...(run.baseline ? [run.baseline] : [])] : [];
  const compareTable = sum.byAgent
    ? `<h2>${escapeHtml(agentsCompared.join(' vs '))}</h2>
<table class="compare"><thead><tr><th>perturbation</th>${agentsCompared.map((n) => `<th>${escapeHtml(n)}</th>`).join('')}</tr></thead><tbody>${Object.keys(
        sum.byAgent[run.agent] ?? {},
      )
        .map(
          (p) =>
            `<tr><td>${escapeHtml(p)}</td>${agentsCompared
              .map((n) => {
                const t = sum.byAgent![n]?.[p];
                return `<td>${t ? `${pct(t.successes, t.total)} (${t.successes} / ${t.total})` : '–'}</td>`;
              })
              .join('')}</tr>`,
        )
        .join('')}</tbody></table>`
    : '';
  const rows = run.attempts
    .map((a) => {
      const page = a.agent?.recordingId != null ? pages.get(a.agent.recordingId) : undefined;
      const tokens = a.agent?.tokens ? a.agent.tokens.prompt + a.agent.tokens.completion : 0;
      const checks = a.checks
        .map((c) => `<li class="${c.pass ? 'pass' : 'fail'}">${c.pass ? '✓' : '✗'} ${escapeHtml(c.detail)}</li>`)
        .join('');
      return (
        `<tr class="${a.outcome}"><td>${escapeHtml(a.task)}${a.repeat > 1 ? ` #${a.repeat}` : ''}</td><td>${escapeHtml(a.perturbation)}</td>` +
        `${run.baseline ? `<td>${escapeHtml(a.by)}</td>` : ''}<td>${escapeHtml(a.level)}</td>` +
        `<td class="outcome">${a.outcome}</td><td>${escapeHtml(a.reason)}<details><summary>checks</summary><ul>${checks}</ul></details></td>` +
        `<td>${a.agent?.steps ?? '–'}</td><td>${seconds(a.ms)}</td><td>${tokens || '–'}</td>` +
        `<td>${page ? `<a href="${escapeHtml(page)}">trajectory</a>` : '–'}</td></tr>`
      );
    })
    .join('\n');
  const html = `<!doctype html>
<html lang="en"><head><meta charset="utf-8">
<meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>${escapeHtml(`${run.suite}: ${sum.successes} / ${sum.total}`)}</title>
<style>
body{font:14px/1.45 system-ui,sans-serif;margin:24px;color:#1d2330;background:#f6f7f9}
h1{font-size:1.3rem;margin:0 0 4px}p.meta{color:#5b6472;margin:0 0 16px}
table{border-collapse:collapse;background:#fff;margin-bottom:20px}th,td{padding:6px 10px;border-bottom:1px solid #e1e4e8;text-align:left;vertical-align:top}
th{color:#5b6472;font-weight:600}.success .outcome{color:#1a7f37;font-weight:600}.fail .outcome{color:#cf222e;font-weight:600}
.error .outcome{color:#9a6700;font-weight:600}li.pass{color:#1a7f37}li.fail{color:#cf222e}ul{margin:4px 0;padding-left:18px}
.big{font-size:2rem;font-weight:700}h2{font-size:1.05rem;margin:0 0 6px}
</style></head><body>
<h1>Eval ${escapeHtml(run.suite)}</h1>
<p class="meta">${escapeHtml(run.agent)}${run.baseline ? ` (baseline: ${escapeHtml(run.baseline)})` : ''} · run ${escapeHtml(run.id)} · ${escapeHtml(run.startedAt)} · ${seconds(run.ms)}</p>
<p><span class="big">${sum.successes} / ${sum.total}</span> tasks succeeded (${pct(sum.successes, sum.total)})</p>
${compareTable}
<table><thead><tr><th>level</th><th>successes</th><th>rate</th></tr></thead><tbody>${levelRows}</tbody></table>
<table><thead><tr><th>perturbation</th><th>successes</th><th>rate</th></tr></thead><tbody>${perturbRows}</tbody></table>
<table><thead><tr><th>task</th><th>perturbation</th>${run.baseline ? '<th>agent</th>' : ''}<th>level</th><th>outcome</th><th>reason</th><th>steps</th><th>time</th><th>tokens</th><th></th></tr></thead>
<tbody>
${rows}
</tbody></table>
</body></html>
`;
  const htmlFile = path.join(dir, REPORT_HTML);
  fs.mkdirSync(dir, { recursive: true });
  writeFileAtomic(htmlFile, Buffer.from(html));
  return { json, html: htmlFile };
}
