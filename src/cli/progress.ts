import cliProgress from 'cli-progress';

export interface Progress {
  increment(n?: number): void;
  stop(): void;
}

/**
 * A progress bar with ETA on stderr when it is a terminal; silent otherwise, so that piped
 * output and --json stay clean.
 */
export function progressBar(label: string, total: number): Progress {
  if (!process.stderr.isTTY || total <= 1) return { increment() {}, stop() {} };
  const bar = new cliProgress.SingleBar(
    {
      format: `${label} [{bar}] {value}/{total} {percentage}% | ETA {eta_formatted}`,
      stream: process.stderr,
      hideCursor: true,
    },
    cliProgress.Presets.shades_classic,
  );
  bar.start(total, 0);
  return { increment: (n = 1) => bar.increment(n), stop: () => bar.stop() };
}
