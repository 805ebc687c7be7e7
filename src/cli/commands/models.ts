import path from 'node:path';
import type { Command } from 'commander';
import type { ModelEntry } from '../../agents/runtime/manifest.js';
import { formatBytes } from '../../core/bytes.js';
import { globalOptions, output, table, UsageError } from '../context.js';
import { progressBar, type Progress } from '../progress.js';

/**
 * `pcagent models list | verify | pull`: the model files of models/manifest.json, where they
 * are found (npm package or `<data dir>/models/`), their SHA-256 checks, and resumable,
 * checksum-verified downloads.
 */

interface ModelsGlobal {
  home?: string;
  manifest?: string;
}

async function lookupFor(cmd: Command): Promise<{ dataDir: string; manifest: ModelEntry[] }> {
  const opts = cmd.optsWithGlobals<ModelsGlobal>();
  const [{ readManifest }, { resolveHome }] = await Promise.all([
    import('../../agents/runtime/manifest.js'),
    import('../../library/home.js'),
  ]);
  const manifest = opts.manifest ? readManifest(path.resolve(opts.manifest)) : readManifest();
  return { dataDir: resolveHome(globalOptions(cmd).home), manifest };
}

function pick(manifest: readonly ModelEntry[], ids: readonly string[]): ModelEntry[] {
  for (const id of ids) {
    if (!manifest.some((e) => e.id === id)) {
      throw new UsageError(`unknown model id ${id} (known: ${manifest.map((e) => e.id).join(', ')})`);
    }
  }
  return ids.length ? manifest.filter((e) => ids.includes(e.id)) : [...manifest];
}

export function registerModelCommands(program: Command): void {
  const models = program
    .command('models')
    .description('model files under models/manifest.json: list, verify checksums, pull')
    .option('--manifest <file>', 'use this manifest instead of models/manifest.json');

  models
    .command('list')
    .description('every model of the manifest: present or missing, size, where it was found')
    .action(async (_opts: unknown, cmd: Command) => {
      const { dataDir, manifest } = await lookupFor(cmd);
      const { listModels, modelsDir } = await import('../../agents/runtime/manifest.js');
      const listed = listModels({ dataDir, manifest });
      const data = listed.map((m) => ({
        id: m.id,
        task: m.task,
        source: m.source,
        licence: m.licence,
        description: m.description,
        present: m.available,
        size: m.files.reduce((s, f) => s + f.size, 0),
        files: m.files.map((f, i) => ({ path: f.path, size: f.size, sha256: f.sha256, location: m.paths[i] ?? null })),
      }));
      output(cmd, data, () =>
        table(
          ['ID', 'TASK', 'STATUS', 'SIZE', 'LOCATION'],
          data.map((m) => [
            m.id,
            m.task,
            m.present ? 'present' : 'missing',
            formatBytes(m.size),
            m.present
              ? m.files.map((f) => f.location).join(', ')
              : `${m.files.map((f) => path.join(modelsDir(dataDir), f.path)).join(', ')} (pull from ${m.source})`,
          ]),
        ),
      );
    });

  models
    .command('verify')
    .description('check the size and SHA-256 of every model file; exit 1 naming any missing or wrong file')
    .argument('[id...]', 'models to check (default: all)')
    .action(async (ids: string[], _opts: unknown, cmd: Command) => {
      const { dataDir, manifest } = await lookupFor(cmd);
      const { verifyModels } = await import('../../agents/runtime/manifest.js');
      const checks = await verifyModels({ dataDir, manifest: pick(manifest, ids) });
      const detail = (c: (typeof checks)[number]): string => {
        if (c.status === 'missing') return 'not found';
        if (c.status === 'ok') return c.resolvedPath ?? '';
        if (c.actual?.size !== c.expected.size)
          return `${c.resolvedPath}: ${c.actual?.size} bytes, expected ${c.expected.size}`;
        return `${c.resolvedPath}: sha256 ${c.actual?.sha256}, expected ${c.expected.sha256}`;
      };
      output(cmd, checks, () =>
        table(
          ['STATUS', 'ID', 'FILE', 'DETAIL'],
          checks.map((c) => [c.status, c.id, c.path, detail(c)]),
        ),
      );
      const bad = checks.filter((c) => c.status !== 'ok');
      if (bad.length) {
        throw new Error(
          `${bad.length} model file${bad.length === 1 ? '' : 's'} failed verification: ` +
            bad.map((c) => `${c.id} ${c.path} (${c.status})`).join(', '),
        );
      }
    });

  models
    .command('pull')
    .description('download model files into <data dir>/models with a progress bar, resume and checksum check')
    .argument('[id]', 'model to pull (default: every missing model)')
    .option('--from <url>', 'base URL the manifest file paths are relative to (default: the manifest source)')
    .action(async (id: string | undefined, opts: { from?: string }, cmd: Command) => {
      const { dataDir, manifest } = await lookupFor(cmd);
      const [{ listModels, modelsDir }, { pullModel }] = await Promise.all([
        import('../../agents/runtime/manifest.js'),
        import('../../agents/runtime/pull.js'),
      ]);
      if (opts.from !== undefined && !/^https?:\/\//.test(opts.from)) {
        throw new UsageError(`--from must be an http(s) URL, not "${opts.from}"`);
      }
      const http = (e: ModelEntry) => opts.from !== undefined || /^https?:\/\//.test(e.source);
      let entries: ModelEntry[];
      const skipped: { id: string; reason: string }[] = [];
      if (id !== undefined) {
        entries = pick(manifest, [id]);
        const entry = entries[0] as ModelEntry;
        if (!http(entry))
          throw new UsageError(`model ${id} comes from ${entry.source}: pass --from URL to pull it from a mirror`);
      } else {
        entries = [];
        for (const m of listModels({ dataDir, manifest })) {
          if (m.available) continue;
          if (http(m)) entries.push(m);
          else skipped.push({ id: m.id, reason: `comes from ${m.source}; pass --from URL` });
        }
      }
      const destDir = modelsDir(dataDir);
      const results = [];
      for (const entry of entries) {
        let bar: Progress | undefined;
        let current = '';
        let last = 0;
        try {
          const pulled = await pullModel(entry.id, {
            manifest,
            baseUrl: opts.from,
            destDir,
            onProgress: (p) => {
              if (p.path !== current) {
                bar?.stop();
                bar = progressBar(`${entry.id} ${p.path}`, p.total);
                current = p.path;
                last = 0;
              }
              bar?.increment(p.received - last);
              last = p.received;
            },
          });
          results.push({ id: entry.id, files: pulled });
        } finally {
          bar?.stop();
        }
      }
      const lines = results.flatMap((r) =>
        r.files.map((f) =>
          f.alreadyPresent
            ? `${r.id} ${f.path}: already present, checksum ok (${f.dest})`
            : `${r.id} ${f.path}: pulled ${formatBytes(f.downloaded)}` +
              `${f.resumedFrom > 0 ? ` (resumed at ${formatBytes(f.resumedFrom)})` : ''}, checksum ok → ${f.dest}`,
        ),
      );
      for (const s of skipped) lines.push(`${s.id}: skipped, ${s.reason}`);
      if (!results.length && !skipped.length) lines.push('every model is present');
      output(cmd, { pulled: results, skipped }, () => lines.join('\n'));
    });
}
