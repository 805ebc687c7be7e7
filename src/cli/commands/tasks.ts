import path from 'node:path';
import type { Command } from 'commander';
import { oneLine, output, table, withLibrary } from '../context.js';

export function registerTaskCommands(program: Command): void {
  const tasks = program.command('tasks').description('given tasks for annotators (tasks.json format)');
  tasks
    .command('import')
    .description('add the tasks of a tasks.json file (tasks already present are kept once)')
    .argument('<file>', 'tasks.json')
    .action(async (file: string, _opts: unknown, cmd: Command) =>
      withLibrary(cmd, async (lib) => {
        const { readTasksFile } = await import('../../pipeline/pc-tracker/read.js');
        const result = lib.importTasks(readTasksFile(path.resolve(file)));
        output(cmd, result, () => `tasks: ${result.added} added, ${result.skipped} already present`);
      }),
    );
  tasks
    .command('list')
    .description('list the given tasks and their state')
    .action(async (_opts: unknown, cmd: Command) =>
      withLibrary(cmd, (lib) => {
        const all = lib.listTasks();
        output(cmd, all, () =>
          all.length === 0
            ? 'no tasks (add some with `pcagent tasks import tasks.json`)'
            : table(
                ['ID', 'STATUS', 'LEVEL', 'CATEGORY', 'TASK'],
                all.map((t) => [String(t.id), t.status, t.level ?? '', t.category ?? '', oneLine(t.description, 80)]),
              ),
        );
      }),
    );
}
