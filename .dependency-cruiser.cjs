/**
 * The layering rule (see ARCHITECTURE.md): imports point downward only.
 *   core  ←  library  ←  services (tracker, pipeline, agents)  ←  surfaces (cli, main, renderer)
 * api/ is the typed contract between Electron main, preload and renderer; it depends on core only.
 */
/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'core-is-pure',
      comment:
        'src/core holds the domain (actions, grammar, aggregation, geometry): no I/O, no other layer, no packages.',
      severity: 'error',
      from: { path: '^src/core/' },
      to: { pathNot: '^src/core/' },
    },
    {
      name: 'library-depends-on-core-only',
      severity: 'error',
      from: { path: '^src/library/' },
      to: { path: '^src/(tracker|pipeline|agents|cli|main|renderer|api)/' },
    },
    {
      name: 'services-do-not-import-surfaces',
      severity: 'error',
      from: { path: '^src/(tracker|pipeline|agents)/' },
      to: { path: '^src/(cli|main|renderer)/' },
    },
    {
      name: 'tracker-does-not-import-pipeline-or-agents',
      comment: 'Recording must not depend on post-processing or on agents.',
      severity: 'error',
      from: { path: '^src/tracker/' },
      to: { path: '^src/(pipeline|agents)/' },
    },
    {
      name: 'agents-do-not-import-pipeline',
      comment: "The pipeline may use the agents' OCR engine (offline completion); not the other way round.",
      severity: 'error',
      from: { path: '^src/agents/' },
      to: { path: '^src/pipeline/' },
    },
    {
      name: 'api-contract-is-light',
      comment: 'The API contract is shared with the renderer: types and schemas only.',
      severity: 'error',
      from: { path: '^src/api/' },
      to: { path: '^src/(library|tracker|pipeline|agents|cli|main|renderer)/' },
    },
    {
      name: 'renderer-talks-through-the-api',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { path: '^src/(library|tracker|pipeline|agents|cli|main)/' },
    },
    {
      name: 'viewer-imports-only-core',
      comment: "src/viewer is the HTML export's browser script, bundled by esbuild: core, nothing else.",
      severity: 'error',
      from: { path: '^src/viewer/' },
      to: { pathNot: '^src/(core|viewer)/' },
    },
    {
      name: 'nothing-imports-the-viewer',
      comment: 'The viewer reaches Node code only as a bundle (pipeline/export/viewer-bundle.ts), never by import.',
      severity: 'error',
      from: { pathNot: '^src/viewer/' },
      to: { path: '^src/viewer/' },
    },
    {
      name: 'only-electron-glue-imports-electron',
      severity: 'error',
      from: { pathNot: '^src/main/' },
      to: { path: '^electron$|node_modules/electron/' },
    },
    {
      name: 'no-circular',
      severity: 'error',
      from: {},
      to: { circular: true },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};
