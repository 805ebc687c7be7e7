import path from 'node:path';
import type { BackendContext, HandlersOf } from './context.js';

/** The pipeline from the library screen: import a pc-tracker folder; refine, complete, export as jobs. */
export function pipelineHandlers(ctx: BackendContext): HandlersOf<'pipeline'> {
  const { lib } = ctx;
  const notYet = (): never => {
    throw new Error('not available yet');
  };
  return {
    'pipeline.importFolder': async ({ dir }) => {
      const { importTrackerFolder } = await import('../pipeline/pc-tracker/import.js');
      const report = await importTrackerFolder(lib, path.resolve(dir));
      ctx.libraryChanged(report.imported[0]?.id ?? null);
      return { imported: report.imported, alreadyImported: report.alreadyImported, tasks: report.tasks };
    },
    'pipeline.refine': notYet,
    'pipeline.complete': notYet,
    'pipeline.export': notYet,
    'pipeline.jobs': () => [],
    'pipeline.cancel': notYet,
  };
}
