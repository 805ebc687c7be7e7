import { type Command, Option } from 'commander';
import { RECORDING_KINDS, RECORDING_STATUSES } from '../../core/vocabulary.js';
import { formatTimestamp } from '../../core/wall-clock.js';
import type { ActionRecord, Recording } from '../../library/library.js';
import { interchangeText } from '../../pipeline/pc-tracker/interchange-text.js';
import { oneLine, output, parseId, table, withLibrary } from '../context.js';

function summary(r: Recording, actions: number) {
  return {
    id: r.id,
    name: r.name,
    kind: r.kind,
    mode: r.mode,
    stage: r.stage,
    parentId: r.parentId,
    status: r.status,
    level: r.level,
    description: r.description,
    actions,
    startedAt: new Date(r.startedAt).toISOString(),
    endedAt: r.endedAt === null ? null : new Date(r.endedAt).toISOString(),
    source: r.source,
  };
}

function actionJson(a: ActionRecord, r: Recording) {
  return {
    seq: a.seq,
    timestamp: formatTimestamp(a.time, r.utcOffsetMin),
    time: a.time,
    text: interchangeText(a.action),
    action: a.action,
    element: a.element,
    windowTitle: a.windowTitle,
    appName: a.appName,
    frameId: a.frameId,
    markedFrameId: a.markedFrameId,
    description: a.description,
    check: a.check,
    thought: a.thought,
  };
}

export function registerRecordingCommands(program: Command): void {
  program
    .command('list')
    .description('list the recordings in the library')
    .addOption(new Option('--kind <kind>', 'only human or agent recordings').choices(RECORDING_KINDS))
    .addOption(new Option('--status <status>', 'only recordings with this status').choices(RECORDING_STATUSES))
    .option('--all', 'include discarded recordings')
    .action(async (opts: { kind?: 'human' | 'agent'; status?: Recording['status']; all?: boolean }, cmd: Command) =>
      withLibrary(cmd, (lib) => {
        const rows = lib
          .listRecordings({ kind: opts.kind, status: opts.status, includeDiscarded: opts.all })
          .map((r) => summary(r, lib.countActions(r.id)));
        output(cmd, rows, () =>
          rows.length === 0
            ? 'no recordings (import some with `pcagent import DIR`)'
            : table(
                ['ID', 'KIND', 'MODE', 'STAGE', 'STATUS', 'ACTIONS', 'STARTED', 'DESCRIPTION'],
                rows.map((r) => [
                  String(r.id),
                  r.kind,
                  r.mode,
                  r.parentId === null ? r.stage : `${r.stage} of ${r.parentId}`,
                  r.status,
                  String(r.actions),
                  r.startedAt.slice(0, 16).replace('T', ' '),
                  oneLine(r.description),
                ]),
              ),
        );
      }),
    );

  program
    .command('show')
    .description('show one recording and its actions')
    .argument('<id>', 'recording id (see `pcagent list`)', parseId)
    .action(async (id: number, _opts: unknown, cmd: Command) =>
      withLibrary(cmd, (lib) => {
        const r = lib.getRecording(id);
        const actions = lib.listActions(id);
        const data = { ...summary(r, actions.length), screen: r.screen, actions: actions.map((a) => actionJson(a, r)) };
        output(cmd, data, () => {
          const head = [
            `recording ${r.id}  ${r.name}  (${r.kind}, ${r.mode}, ${r.status})`,
            r.description ? `task: ${r.description}` : '',
            r.level ? `level: ${r.level}` : '',
            r.status === 'interrupted'
              ? `interrupted: its recorder stopped without finishing; last action at ${data.endedAt ?? 'none'} (refine, complete and export take it by id)`
              : '',
            r.screen ? `screen: ${r.screen.physicalWidth}x${r.screen.physicalHeight} @${r.screen.scaleFactor}x` : '',
            `${actions.length} steps`,
          ].filter(Boolean);
          // Steps numbered 1..N (seq can have gaps where the recorder merged or dropped actions).
          const rows = data.actions.map((a, i) => [
            String(i + 1),
            a.timestamp,
            a.text.replace(/\n/g, '\\n'),
            a.element ? a.element.name : '',
            a.description?.text ?? '',
          ]);
          return `${head.join('\n')}\n\n${table(['#', 'TIME', 'ACTION', 'ELEMENT', 'DESCRIPTION'], rows)}`;
        });
      }),
    );
}
