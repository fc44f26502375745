// Lint is where the architecture is enforced (README.md, Development):
// import directions between parts, pure folders that do no I/O, one module that starts processes,
// and one clock per part.
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

const IO_MODULES = [
  'execa',
  'better-sqlite3',
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
  reportsDown: 'reports/** imports the contract, the collector read model and rule table only',
  snapshotLeaf: 'agent/snapshot is the contract: it imports nothing of ours',
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
  // collector/: only the snapshot contract from the agent; no processes.
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
              'collector/** does not import reports/ (the dashboard plugin is registered by main.ts only)',
          },
        ],
      }),
      ...noBareDate,
    },
  },
  {
    files: ['collector/main.ts'],
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
    files: ['collector/rules/**/*.ts', 'collector/alerts/payload.ts'],
    rules: {
      'no-restricted-imports': restrict({
        paths: io(msg.io),
        patterns: [
          { group: ['**/agent/**', '!**/agent/snapshot', '!**/agent/snapshot/**'], message: msg.collectorUp },
          { group: ['**/store/**', '**/http/**'], message: msg.io },
        ],
      }),
      ...noBareDate,
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
          { group: ['**/collector/store/**', '**/collector/http/**'], message: msg.reportsDown },
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
          { group: ['**/collector/store/**', '**/collector/http/**'], message: msg.reportsDown },
        ],
      }),
      ...noBareDate,
    },
  },
  // The two clocks: the only places that read the time (last, so no folder block turns the rule back on).
  { files: ['agent/clock.ts', 'collector/clock.ts'], rules: { 'no-restricted-syntax': 'off' } },
);
