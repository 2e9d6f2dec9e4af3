/**
 * The import rules of the repository (run by `npm run lint`). Every TypeScript and JavaScript file
 * under packages/ (any package, present or future), e2e/, bench/ and scripts/ is checked, type-only
 * imports included (tsPreCompilationDeps): a cycle of types is a cycle of design.
 * The layering is DESIGN's; the package-level order is also enforced by tsconfig project references.
 */
/** A workspace package, by its source folder or by its package name (resolved or not). */
const pkg = (name) => `^(packages/${name}/|node_modules/@safehold/${name}(/|$)|@safehold/${name}(/|$))`;

module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'No import cycles, type-only imports included.',
      from: {},
      to: { circular: true },
    },
    {
      name: 'sdk-not-server',
      severity: 'error',
      comment: 'The SDK talks to the server over HTTP only: it never imports the server package.',
      from: { path: '^packages/sdk/src/', pathNot: '\\.spec\\.ts$' },
      to: { path: pkg('server') },
    },
    {
      name: 'sdk-specs-not-server',
      severity: 'error',
      comment: 'SDK specs get a real server through @safehold/testkit, never by importing the server.',
      from: { path: '^packages/sdk/src/.*\\.spec\\.ts$' },
      to: { path: pkg('server') },
    },
    {
      name: 'crypto-only-in-key-service',
      severity: 'error',
      comment:
        'Client code (sdk, store, cli, web) reaches @safehold/crypto only through the SDK key service (sdk/src/keys/): ' +
        'one place holds every encrypt, decrypt, wrap, derive and sign of the client. Specs may use it to build and check data.',
      from: { path: '^packages/(sdk|store|cli|web)/', pathNot: ['^packages/sdk/src/keys/', '\\.spec\\.tsx?$'] },
      to: { path: pkg('crypto') },
    },
    {
      name: 'service-not-http',
      severity: 'error',
      comment: 'A service (server/src/services) knows nothing of HTTP (server/src/http).',
      from: { path: '^packages/server/src/services/' },
      to: { path: '^packages/server/src/http/' },
    },
    {
      name: 'nothing-imports-cli',
      severity: 'error',
      comment: 'cli is the top of the client stack: no other package imports it.',
      from: { path: '^packages/', pathNot: '^packages/cli/' },
      to: { path: pkg('cli') },
    },
    {
      name: 'no-test-helpers-in-production',
      severity: 'error',
      comment: 'Production code never imports @safehold/testkit; only specs (and e2e/bench) do.',
      from: { path: '^packages/[^/]+/src/', pathNot: ['^packages/testkit/', '\\.spec\\.ts$'] },
      to: { path: pkg('testkit') },
    },
    {
      name: 'sdk-internal-for-tests-only',
      severity: 'error',
      comment: 'Production code reaches the SDK through its front door @safehold/sdk; @safehold/sdk/internal is for specs, testkit and e2e set-up (ADR 0070).',
      from: { path: '^(packages/[^/]+/src/|bench/)', pathNot: ['^packages/testkit/', '^packages/sdk/', '\\.spec\\.ts$'] },
      to: { path: '^(packages/sdk/src/internal\\.ts$|node_modules/@safehold/sdk/dist/internal\\.|@safehold/sdk/internal$)' },
    },
    {
      name: 'public-entry-points-only',
      severity: 'error',
      comment: 'Another package is reached by its name (its package.json exports), never by a path into its src or dist; e2e and bench included.',
      from: { path: '^(packages/[^/]+|e2e|bench|scripts)/' },
      to: { path: '^packages/', pathNot: '^$1/', dependencyTypesNot: ['aliased-tsconfig-paths'] },
    },
    {
      name: 'no-undeclared-npm-dependency',
      severity: 'error',
      comment: 'A package imports only npm packages its package.json declares (workspace packages: scripts/check-deps.mjs).',
      from: { path: '^packages/' },
      to: { dependencyTypes: ['npm-no-pkg', 'npm-unknown'] },
    },
    {
      name: 'production-not-to-dev-dependency',
      severity: 'error',
      comment: 'Production code does not import a devDependency (a published package would miss it).',
      from: { path: '^packages/[^/]+/src/', pathNot: '\\.spec\\.ts$' },
      to: { dependencyTypes: ['npm-dev'], dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      comment: 'Every import resolves (a typo or an undeclared package shows up here).',
      from: {},
      to: { couldNotResolve: true },
    },
  ],
  options: {
    tsPreCompilationDeps: true,
    doNotFollow: { path: '(^|/)node_modules/' },
    // Build output, caches and nested node_modules of the scanned folders; npm packages stay in the graph (not followed).
    exclude: { path: '^(packages/[^/]+|e2e|bench|scripts)/(dist|node_modules|\\.cache|results)/' },
    tsConfig: { fileName: 'tsconfig.depcruise.json' },
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['types', 'import', 'default', 'node'],
      extensions: ['.ts', '.tsx', '.d.ts', '.js', '.mjs', '.cjs', '.json'],
      mainFields: ['types', 'main'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};
