import { readFileSync } from 'node:fs';
import { Command } from 'commander';
import { registerCompleteCommands } from './commands/complete.js';
import { registerEvalCommands } from './commands/eval.js';
import { registerInterchangeCommands } from './commands/interchange.js';
import { registerLocateCommands } from './commands/locate.js';
import { registerModelCommands } from './commands/models.js';
import { registerRecordCommands } from './commands/record.js';
import { registerRecordingCommands } from './commands/recordings.js';
import { registerReplayCommands } from './commands/replay.js';
import { registerRefineCommands } from './commands/refine.js';
import { registerRunCommands } from './commands/run.js';
import { registerTaskCommands } from './commands/tasks.js';
import { registerUiCommands } from './commands/ui.js';

/** The version in package.json (two folders up from both src/cli and dist/cli): one place to bump it. */
export const VERSION = (
  JSON.parse(readFileSync(new URL('../../package.json', import.meta.url), 'utf8')) as { version: string }
).version;

/**
 * Commands that run agents for minutes or hours, allocating and freeing multi-MB pixel buffers
 * each step: they pin the C allocator's mmap threshold first (platform/allocator.ts), so their
 * memory stays flat. Not `record`: its frame buffers are pooled already and it meets its memory
 * goal without, while the tuning cost it a point of a core (bench/soak.bench.ts, recorder part:
 * 6.3 % vs 5.2 % CPU in the same 5 minutes); nor the batch commands, which end soon.
 */
const TUNED_ALLOCATOR_COMMANDS = new Set(['run', 'replay', 'eval', 'ui']);

/** The `pcagent` command tree (SPEC §3). Each command module registers its own sub-commands. */
export function buildProgram(): Command {
  const program = new Command('pcagent')
    .description(
      'PC Agent: record computer use, refine and complete it into cognitive trajectories, export datasets, run desktop agents',
    )
    .version(VERSION)
    .option('--home <dir>', 'data directory (default: $PCAGENT_HOME or the OS user-data folder)')
    .option('--json', 'machine-readable output on stdout')
    .showSuggestionAfterError(true)
    .configureHelp({ sortSubcommands: false, showGlobalOptions: true });
  registerRecordCommands(program);
  registerRecordingCommands(program);
  registerReplayCommands(program);
  registerRunCommands(program);
  registerInterchangeCommands(program);
  registerRefineCommands(program);
  registerTaskCommands(program);
  registerCompleteCommands(program);
  registerLocateCommands(program);
  registerModelCommands(program);
  registerEvalCommands(program);
  registerUiCommands(program);
  program.hook('preAction', async (_root, action) => {
    if (!TUNED_ALLOCATOR_COMMANDS.has(action.name())) return;
    const { tuneAllocator } = await import('../platform/allocator.js');
    tuneAllocator();
  });
  // Commander's own errors (unknown command, missing argument) become our one-line form too.
  const outputError = (text: string, write: (s: string) => void) =>
    write(`pcagent: ${text.replace(/^error: /, '').trimEnd()} (see --help)\n`);
  // Throw instead of exiting, so that main() decides the exit code in one place.
  (function configure(c: Command) {
    c.exitOverride();
    c.configureOutput({ outputError });
    c.commands.forEach(configure);
  })(program);
  return program;
}
