import type { Command } from 'commander';
import { InvalidArgumentError } from 'commander';
import { openLibrary, UsageError } from '../context.js';

interface UiOptions {
  web?: boolean;
  port?: number;
}

function portNumber(value: string): number {
  const n = Number(value);
  if (!Number.isSafeInteger(n) || n < 0 || n > 65535) throw new InvalidArgumentError('expected a port from 0 to 65535');
  return n;
}

export function registerUiCommands(program: Command): void {
  program
    .command('ui')
    .description(
      'the app in a browser: serves the tracker, agent console, library viewer and settings on 127.0.0.1 until SIGINT',
    )
    .option('--web', 'serve the app over HTTP (the desktop app is started with `npm start`)')
    .option('--port <n>', 'port on 127.0.0.1 (default: a free one)', portNumber)
    .addHelpText(
      'after',
      '\nPrints "PC Agent UI: http://127.0.0.1:<port>/?token=<token>". The token is random for each run;\n' +
        'requests without it are refused.',
    )
    .action(async (opts: UiOptions, cmd: Command) => {
      if (!opts.web) throw new UsageError('the desktop app starts with `npm start`; use `pcagent ui --web` here');
      const lib = await openLibrary(cmd);
      const [{ createBackend, APP_WINDOW_TITLE }, { startWebServer }] = await Promise.all([
        import('../../server/handlers.js'),
        import('../../server/web.js'),
      ]);
      // The page is a tab of some browser, a window we cannot exclude by id as Electron's: actions
      // in a window titled like the page are stored without frames and dropped by refinement.
      const backend = createBackend(lib, { ownWindowTitles: [APP_WINDOW_TITLE] });
      let server;
      try {
        server = await startWebServer(backend, { port: opts.port });
      } catch (err) {
        lib.close();
        const e = err as NodeJS.ErrnoException;
        if (e.code === 'EADDRINUSE') throw new Error(`port ${opts.port} on 127.0.0.1 is in use`);
        throw err;
      }
      process.stdout.write(`PC Agent UI: ${server.url}\n`);
      await new Promise<void>((resolve) => {
        process.once('SIGINT', resolve);
        process.once('SIGTERM', resolve);
      });
      await server.close();
      await backend.close();
      lib.close();
    });
}
