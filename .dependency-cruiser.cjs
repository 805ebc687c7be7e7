/**
 * The layering rule (see ARCHITECTURE.md): imports point downward only.
 *   core  ←  platform (desktop I/O)  ←  services (tracker, pipeline, agents)  ←  surfaces (cli, server, main, renderer)
 *   core  ←  library                 ←  services
 * api/ is the typed contract between Electron main, preload and renderer; it depends on core only.
 * Every folder under src/ is named by the rules below.
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
      to: { path: '^src/', pathNot: '^src/(library|core)/' },
    },
    {
      name: 'platform-depends-on-core-only',
      comment:
        'src/platform is the desktop I/O (X11, capture, input injection, accessibility) the tracker and agents share: it knows no library, service or surface.',
      severity: 'error',
      from: { path: '^src/platform/' },
      to: { path: '^src/', pathNot: '^src/(platform|core)/' },
    },
    {
      name: 'models-imports-only-core-and-library',
      comment: 'src/models is the one model client, a service every other service and surface may use.',
      severity: 'error',
      from: { path: '^src/models/' },
      to: { path: '^src/', pathNot: '^src/(models|core|library)/' },
    },
    {
      name: 'library-does-not-import-models',
      severity: 'error',
      from: { path: '^src/library/' },
      to: { path: '^src/models/' },
    },
    {
      name: 'services-do-not-import-surfaces',
      severity: 'error',
      from: { path: '^src/(tracker|pipeline|agents|eval)/' },
      to: { path: '^src/(cli|server|main|renderer)/' },
    },
    {
      name: 'eval-sits-above-the-services',
      comment: 'The eval runner drives agents and reads exports; no service below it may depend on it.',
      severity: 'error',
      from: { path: '^src/(core|library|platform|models|tracker|pipeline|agents)/' },
      to: { path: '^src/eval/' },
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
      to: { path: '^src/(library|platform|models|tracker|pipeline|agents|eval|cli|server|main|renderer)/' },
    },
    {
      name: 'renderer-talks-through-the-api',
      severity: 'error',
      from: { path: '^src/renderer/' },
      to: { path: '^src/(library|platform|models|tracker|pipeline|agents|eval|cli|server|main)/' },
    },
    {
      name: 'surfaces-are-separate',
      comment:
        'The CLI and the back end (server) are the two ways in; neither imports the Electron glue, and the server does not import the CLI.',
      severity: 'error',
      from: { path: '^src/(cli|server)/' },
      to: { path: '^src/main/' },
    },
    {
      name: 'server-does-not-import-the-cli',
      severity: 'error',
      from: { path: '^src/server/' },
      to: { path: '^src/cli/' },
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
