import { CommanderError } from 'commander';
import { UsageError } from './context.js';
import { buildProgram } from './program.js';

/**
 * Entry point of `pcagent`. Every failure ends as one line on stderr and a non-zero exit:
 * 2 for a wrong call, 1 for everything else. Set PCAGENT_DEBUG=1 for the stack.
 */
async function main(argv: string[]): Promise<number> {
  const program = buildProgram();
  try {
    await program.parseAsync(argv);
    return 0;
  } catch (err) {
    if (err instanceof CommanderError) return err.exitCode === 0 ? 0 : 2; // commander already printed why
    if (err instanceof UsageError) {
      process.stderr.write(`pcagent: ${err.message}\n`);
      return 2;
    }
    const message = err instanceof Error ? err.message : String(err);
    const { isDiskFull } = await import('../library/errors.js');
    // Node's ENOSPC text names the syscall, not the problem: say it plainly.
    const reason = isDiskFull(err) ? `disk full: ${message.split('\n')[0]}` : message.split('\n')[0];
    process.stderr.write(`pcagent: ${reason}\n`);
    if (process.env.PCAGENT_DEBUG && err instanceof Error) process.stderr.write(`${err.stack}\n`);
    return 1;
  }
}

// A command may have set a failing exit code itself (e.g. `replay` that stopped early).
const code = await main(process.argv);
if (code !== 0 || process.exitCode === undefined) process.exitCode = code;
