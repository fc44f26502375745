// Lint is where the architecture is enforced (README.md, Development):
// import directions between parts, pure folders that do no I/O, one module that starts processes,
// and one clock per part.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_MODULES = [
  'execa',
  'better-sqlite3',
  'pg',
  'fastify',
  'node-cron',
  'pino',
  'node:fs',
  'node:fs/promises',
  'fs',
  'fs/promises',
  'node:child_process',
  'child_process',
  'node:http',
  'node:https',
  'node:net',
];
const PROCESS_MODULES = ['execa', 'node:child_process', 'child_process'];

const msg = {
  io: 'pure folder: no I/O here (processes, files, SQLite, HTTP, clocks, loggers are passed in from the edges)',
  process: 'only agent/exec/run.ts starts processes',
  agentUp: 'agent/** never imports collector/ or reports/',
  collectorUp: 'collector/** imports only the snapshot contract from agent/ (agent/snapshot)',
  reportsDown:
    'reports/** imports the contract, the collector read model (services/read-model.ts, the API shapes in services/views.ts) and rule table only',
  snapshotLeaf: 'agent/snapshot is the contract: it imports nothing of ours',
  servicesDown:
    'collector/services know neither HTTP nor a storage backend: the store interfaces (store/types.ts) only, refusals as services/errors.ts (http/ maps them)',
  storeDown: 'collector/store is below the services: it imports no services, HTTP, jobs or edges',
  conformance:
    'the store conformance suite uses the store interfaces (collector/store/types.ts) only; a backend is handed in by its runner',
  sqliteCodes:
    'SQLite error codes stay in collector/store/sqlite (busy.ts turns busy and locked into StoreBusyError)',
};

/** Build one no-restricted-imports rule from the restrictions that apply to a folder. */
function restrict({ paths = [], patterns = [] }) {
  return ['error', { paths, patterns }];
}
const io = (message) => IO_MODULES.map((name) => ({ name, message }));
const proc = () => PROCESS_MODULES.map((name) => ({ name, message: msg.process }));

const noBareDate = {
  'no-restricted-syntax': [
    'error',
    {
      selector: "NewExpression[callee.name='Date'][arguments.length=0]",
      message: 'time is passed in: use the clock (agent/clock.ts, collector/clock.ts)',
    },
    {
      selector: "CallExpression[callee.object.name='Date'][callee.property.name='now']",
      message: 'time is passed in: use the clock (agent/clock.ts, collector/clock.ts)',
    },
  ],
};

// What reports/ may not import of the collector: all but the read model, its API shapes and the rules.
const reportsOffLimits = [
  '**/collector/store/**',
  '**/collector/http/**',
  '**/collector/services/**',
  '!**/collector/services/read-model.ts',
  '!**/collector/services/views.ts',
];
// collector/'s core (services, rules, store) never imports an edge or fastify.
const collectorUp = [
  { group: ['**/agent/**', '!**/agent/snapshot', '!**/agent/snapshot/**'], message: msg.collectorUp },
];
const EDGES = ['**/http/**', '**/jobs/**', '**/app.ts', '**/cli.ts', '**/main.ts', '**/openapi.ts'];
const HTTP_MODULES = ['fastify', '@fastify/swagger'];
const named = (names, message) => names.map((name) => ({ name, message }));
const noSqliteCodes = {
  'no-restricted-syntax': [
    ...noBareDate['no-restricted-syntax'],
    { selector: 'Literal[value=/^SQLITE_/]', message: msg.sqliteCodes },
  ],
};

export default tseslint.config(
  { ignores: ['node_modules/**', 'dist/**', '.build/**', 'test/fixtures/**'] },
  js.configs.recommended,
  ...tseslint.configs.strict,
  {
    languageOptions: {
      globals: {
        process: 'readonly',
        console: 'readonly',
        URL: 'readonly',
        Buffer: 'readonly',
        setTimeout: 'readonly',
        clearTimeout: 'readonly',
        setInterval: 'readonly',
        clearInterval: 'readonly',
        fetch: 'readonly',
        AbortController: 'readonly',
        AbortSignal: 'readonly',
        TextEncoder: 'readonly',
        TextDecoder: 'readonly',
        structuredClone: 'readonly',
        queueMicrotask: 'readonly',
        Response: 'readonly',
        Request: 'readonly',
        Headers: 'readonly',
      },
    },
    rules: {
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_' }],
      '@typescript-eslint/consistent-type-imports': 'error',
    },
  },
  // agent/: no collector or reports; only exec/run.ts starts processes.
  {
    files: ['agent/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: proc(),
        patterns: [{ group: ['**/collector/**', '**/reports/**'], message: msg.agentUp }],
      }),
      ...noBareDate,
    },
  },
  { files: ['agent/exec/run.ts'], rules: { 'no-restricted-imports': 'off' } },
  // Pure folders.
  {
    files: ['agent/snapshot/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: io(msg.io),
        patterns: [{ group: ['../*', '!./*'], message: msg.snapshotLeaf }],
      }),
    },
  },
  {
    files: ['agent/probes/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: io(msg.io),
        patterns: [{ group: ['**/collector/**', '**/reports/**'], message: msg.agentUp }],
      }),
    },
  },
  // collector/: only the snapshot contract from the agent; no processes. Core (services, rules, store) never
  // imports an edge (app, cli, main, http, jobs) or fastify.
  {
    files: ['collector/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: proc(),
        patterns: [
          { group: ['**/agent/**', '!**/agent/snapshot', '!**/agent/snapshot/**'], message: msg.collectorUp },
          {
            group: ['**/reports/**'],
            message:
              'collector/** does not import reports/ (main.ts registers the dashboard plugin and cli.ts runs tokenwatch report; nothing else)',
          },
        ],
      }),
      ...noSqliteCodes,
    },
  },
  {
    files: ['collector/services/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: [
          ...proc(),
          ...named([...HTTP_MODULES, 'better-sqlite3', 'pg', 'node-cron', 'pino'], msg.servicesDown),
        ],
        patterns: [
          ...collectorUp,
          {
            group: [...EDGES, '**/store/sqlite/**', '**/store/postgres/**', '**/reports/**'],
            message: msg.servicesDown,
          },
        ],
      }),
    },
  },
  {
    files: ['collector/store/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: [...proc(), ...named([...HTTP_MODULES, 'node-cron', 'pino'], msg.storeDown)],
        patterns: [
          ...collectorUp,
          { group: [...EDGES, '**/services/**', '**/reports/**'], message: msg.storeDown },
        ],
      }),
    },
  },
  // The one place that knows SQLite's error codes.
  { files: ['collector/store/sqlite/**/*.ts', 'collector/store/postgres/**/*.ts'], rules: noBareDate },
  {
    files: ['collector/main.ts', 'collector/cli.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: proc(),
        patterns: [
          { group: ['**/agent/**', '!**/agent/snapshot', '!**/agent/snapshot/**'], message: msg.collectorUp },
        ],
      }),
    },
  },
  {
    files: [
      'collector/rules/**/*.ts',
      'collector/alerts/payload*.ts',
      'collector/alerts/event.ts',
      'collector/alerts/cron.ts',
    ],
    rules: {
      'no-restricted-imports': restrict({
        paths: io(msg.io),
        patterns: [
          { group: ['**/agent/**', '!**/agent/snapshot', '!**/agent/snapshot/**'], message: msg.collectorUp },
          { group: ['**/store/**', '**/services/**', ...EDGES], message: msg.io },
        ],
      }),
      ...noSqliteCodes,
    },
  },
  // reports/: the contract, the read model and the rule table.
  {
    files: ['reports/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: proc(),
        patterns: [
          { group: ['**/agent/**', '!**/agent/snapshot', '!**/agent/snapshot/**'], message: msg.reportsDown },
          { group: reportsOffLimits, message: msg.reportsDown },
        ],
      }),
    },
  },
  {
    files: ['reports/render/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: io(msg.io),
        patterns: [
          { group: ['**/agent/**', '!**/agent/snapshot', '!**/agent/snapshot/**'], message: msg.reportsDown },
          { group: reportsOffLimits, message: msg.reportsDown },
        ],
      }),
      ...noBareDate,
    },
  },
  // Scripts the pages run in the browser (reports/assets: the report inlines them, the dashboard serves them).
  {
    files: ['reports/assets/**/*.js'],
    languageOptions: {
      sourceType: 'script',
      globals: { document: 'readonly', window: 'readonly', ResizeObserver: 'readonly', uPlot: 'readonly' },
    },
  },
  // The store conformance suite is written against the store interfaces only: every backend runs it unchanged.
  {
    files: ['test/collector/store/conformance/**/*.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: named(['better-sqlite3', 'pg'], msg.conformance),
        patterns: [{ group: ['**/store/sqlite/**', '**/store/postgres/**'], message: msg.conformance }],
      }),
    },
  },
  // The two clocks: the only places that read the time (last, so no folder block turns the rule back on).
  { files: ['agent/clock.ts', 'collector/clock.ts'], rules: { 'no-restricted-syntax': 'off' } },
);
