// The agent's composition root: argv -> config -> deps -> subcommand. The only module that reads argv,
// the environment and the real clock, and wires I/O into the pure parts. Runs when loaded (bin entry,
// single executable).
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { AGENT_CONFIG_FLAGS, loadConfig, renderConfig, uploadRefusals } from './config.ts';
import { readPrefsFile } from './prefs/file.ts';
import type { AgentConfig } from './config.ts';
import { systemClock } from './clock.ts';
import { createLogger } from './log.ts';
import type { Logger } from './log.ts';
import { createRunner } from './exec/run.ts';
import { collect } from './collect.ts';
import { CacheError, CACHE_FILE, ensureStateDir, openCache } from './cache/open.ts';
import type { Db } from './cache/open.ts';
import { latestSnapshot, recordSnapshot, snapshotStats } from './cache/snapshots.ts';
import { enqueue, outboxSummary } from './cache/outbox.ts';
import { readState, writeState } from './cache/state.ts';
import { createClient } from './upload/client.ts';
import { drainOutbox } from './upload/uploader.ts';
import { readDeviceToken, writeDeviceToken } from './upload/device-token.ts';
import { EAS, eaByName, renderEa } from './ea.ts';
import { renderSnapshot, renderStatus } from './summary.ts';
import { checkSnapshot, snapshotDigest } from './snapshot/index.ts';
import type { Snapshot } from './snapshot/index.ts';
import { checkinFor, planUpload } from './upload/plan.ts';
import { nativeSqliteBinding } from './sea/native.ts';
import { AGENT_VERSION } from './version.ts';

const USAGE = `tokenwatch-agent ${AGENT_VERSION}: reports SecureToken, volume owner, FileVault and Bootstrap Token state

Usage:
  tokenwatch-agent collect [--json] [--sysroot DIR] [--state-dir DIR]   collect now, cache, print
  tokenwatch-agent run [--splay SECONDS] [--retry-now] [--sysroot DIR] [--state-dir DIR]
                                                  collect, cache, upload (what launchd runs);
                                                  --retry-now sends the queue now, ignoring backoff
  tokenwatch-agent status [--json]                last collection, its errors, cache and outbox
  tokenwatch-agent ea NAME | ea --list            one cached value as a Jamf extension attribute
  tokenwatch-agent config [--json]                every setting, its value and where it came from
  tokenwatch-agent --version

Settings (flag, environment, /Library/Preferences or a profile: see 'config'):
  --server-url URL --enroll-secret S --pin-sha256 PIN (repeatable) --allow-insecure-http --splay N --min-interval N
  --exclude-user NAME (repeatable) --collect-timeout N --upload-timeout N --state-dir DIR --log-file FILE
  --log-level LEVEL --max-cached-snapshots N --max-cache-bytes N
`;

interface Io {
  argv: string[];
  env: Record<string, string | undefined>;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

class UsageError extends Error {}

const OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  ...AGENT_CONFIG_FLAGS,
  json: { type: 'boolean' },
  list: { type: 'boolean' },
  'retry-now': { type: 'boolean' },
  help: { type: 'boolean', short: 'h' },
  version: { type: 'boolean' },
};

function parseArgv(argv: string[]) {
  try {
    return parseArgs({ args: argv, options: OPTIONS, allowPositionals: true, strict: true });
  } catch (err) {
    throw new UsageError((err as Error).message);
  }
}

function configFor(values: ReturnType<typeof parseArgv>['values'], env: Io['env']): AgentConfig {
  const sysroot = typeof values['sysroot'] === 'string' ? path.resolve(values['sysroot']) : null;
  return loadConfig({ flags: values, env, sysroot, readFile: readPrefsFile, cwd: process.cwd() });
}

function loggerFor(config: AgentConfig, toStderr: boolean): Logger {
  return createLogger({ level: config.values.LogLevel, file: toStderr ? null : config.values.LogFile });
}

function openDb(config: AgentConfig): Db {
  const stateDir = config.values.StateDir;
  // Checked before anything is extracted into it or loaded from it (the SQLite addon of the executable).
  ensureStateDir(stateDir);
  return openCache({ stateDir, nativeBinding: nativeSqliteBinding(stateDir) });
}

/** The cache if a collection ever made one (status and ea never create it), else null. */
function openExistingCache(config: AgentConfig): Db | null {
  return fs.existsSync(path.join(config.values.StateDir, CACHE_FILE)) ? openDb(config) : null;
}

function reportConfigProblems(config: AgentConfig, log: Logger): void {
  for (const p of config.problems) log.warn({ key: p.key, source: p.source, file: p.file }, p.message);
}

async function collectAndCache(config: AgentConfig, db: Db, log: Logger) {
  const now = systemClock;
  const previous = readState<unknown>(db, 'bootstrapCheck');
  const result = await collect({
    run: createRunner({ sysroot: config.sysroot }),
    now,
    hostname: os.hostname(),
    newId: randomUUID,
    agentVersion: AGENT_VERSION,
    excludeUsers: config.values.ExcludeUsers,
    budgetMs: config.values.CollectTimeoutSeconds * 1000,
    previousBootstrapCheck: previous,
  });
  const snapshot: Snapshot = result.snapshot;
  const problems = checkSnapshot(snapshot);
  if (problems.length > 0) {
    // Our own output broke the contract: a bug. Record it loudly; never upload an invalid body.
    throw new Error(
      `internal error: the snapshot does not match the contract: ${JSON.stringify(problems.slice(0, 5))}`,
    );
  }
  if (result.bootstrapCheck) writeState(db, 'bootstrapCheck', result.bootstrapCheck);
  const digest = snapshotDigest(snapshot);
  const recorded = recordSnapshot(db, snapshot, digest, {
    maxSnapshots: config.values.MaxCachedSnapshots,
    maxBytes: config.values.MaxCacheBytes,
  });
  log.info(
    {
      snapshot: snapshot.id,
      digest,
      changed: recorded.changed,
      errors: snapshot.errors.length,
      pruned: recorded.pruned,
    },
    'collected',
  );
  for (const e of snapshot.errors) log.warn({ source: e.source }, e.message);
  return { snapshot, digest, changed: recorded.changed, now: now() };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function cmdCollect(io: Io, config: AgentConfig, json: boolean): Promise<number> {
  const log = loggerFor(config, json || config.sysroot !== null);
  reportConfigProblems(config, log);
  const db = openDb(config);
  try {
    const { snapshot } = await collectAndCache(config, db, log);
    io.stdout(json ? `${JSON.stringify(snapshot, null, 2)}\n` : renderSnapshot(snapshot));
    return 0;
  } finally {
    db.close();
  }
}

async function cmdRun(config: AgentConfig, retryNow: boolean): Promise<number> {
  const log = loggerFor(config, false);
  reportConfigProblems(config, log);
  const splay = config.values.SplaySeconds;
  if (splay > 0) {
    const wait = Math.floor(Math.random() * splay * 1000);
    log.debug({ waitMs: wait }, 'splay');
    await sleep(wait);
  }
  const db = openDb(config);
  try {
    const { snapshot, digest, changed, now } = await collectAndCache(config, db, log);
    const v = config.values;
    const plan = planUpload({
      changed,
      lastUploadAt: readState<{ at: string }>(db, 'lastUpload')?.at ?? null,
      now,
      minIntervalSeconds: v.MinIntervalSeconds,
    });
    if (plan === 'snapshot') {
      enqueue(
        db,
        { kind: 'snapshot', itemId: snapshot.id, digest, body: JSON.stringify(snapshot) },
        now,
        v.MaxCachedSnapshots,
      );
    } else if (plan === 'checkin') {
      const body = JSON.stringify(checkinFor(snapshot, digest));
      enqueue(db, { kind: 'checkin', itemId: snapshot.id, digest, body }, now, v.MaxCachedSnapshots);
    } else {
      log.info(
        { minIntervalSeconds: v.MinIntervalSeconds },
        'unchanged and uploaded recently: nothing new to send',
      );
    }
    if (!v.ServerURL) {
      log.info('no ServerURL configured: the snapshot stays in the local cache');
      return 0;
    }
    const refusals = uploadRefusals(config);
    if (refusals.length > 0) {
      const error = `uploads refused by the configuration: ${refusals.join(' ')}`;
      writeState(db, 'lastUploadError', { at: systemClock().toISOString(), error });
      log.error({ problems: refusals }, 'uploads refused by the configuration; the snapshot stays queued');
      return 0;
    }
    const stateDir = v.StateDir;
    const report = await drainOutbox({
      db,
      client: createClient({
        serverUrl: v.ServerURL,
        pins: v.PinSHA256,
        allowInsecureHttp: v.AllowInsecureHTTP,
        requestTimeoutMs: v.UploadTimeoutSeconds * 1000,
        userAgent: `tokenwatch-agent/${AGENT_VERSION}`,
        now: systemClock,
      }),
      tokens: {
        read: () => readDeviceToken(stateDir),
        write: (t) => writeDeviceToken(stateDir, t),
      },
      enrollSecret: v.EnrollSecret,
      now: systemClock,
      random: Math.random,
      log,
      signal: AbortSignal.timeout(v.UploadTimeoutSeconds * 1000),
      maxQueuedSnapshots: v.MaxCachedSnapshots,
      ignoreBackoff: retryNow,
    });
    log.info({ ...report }, 'upload finished');
    return 0;
  } finally {
    db.close();
  }
}

function cmdStatus(io: Io, config: AgentConfig, json: boolean): number {
  const stateDir = config.values.StateDir;
  const cacheFile = path.join(stateDir, CACHE_FILE);
  const db = openExistingCache(config);
  if (!db) {
    io.stdout(
      json
        ? `${JSON.stringify({ stateDir, collected: false })}\n`
        : `No collection yet (no cache in ${stateDir}).\n`,
    );
    return 0;
  }
  try {
    const view = {
      stateDir,
      latest: latestSnapshot(db),
      cacheFileBytes: ['', '-wal'].reduce(
        (n, s) => n + (fs.existsSync(cacheFile + s) ? fs.statSync(cacheFile + s).size : 0),
        0,
      ),
      snapshots: snapshotStats(db),
      outbox: outboxSummary(db),
      lastUpload: readState<{ at: string; sent: number }>(db, 'lastUpload'),
      lastUploadError: readState<{ at: string; error: string }>(db, 'lastUploadError'),
      enrolled: readDeviceToken(stateDir) !== null,
      serverUrl: config.values.ServerURL,
    };
    io.stdout(json ? `${JSON.stringify(view, null, 2)}\n` : renderStatus(view));
    return 0;
  } finally {
    db.close();
  }
}

function cmdEa(io: Io, config: AgentConfig, name: string | undefined, list: boolean): number {
  if (list) {
    for (const ea of EAS) io.stdout(`${ea.name.padEnd(28)} ${ea.description}\n`);
    return 0;
  }
  const ea = name ? eaByName(name) : undefined;
  if (!ea) {
    io.stderr(
      `tokenwatch-agent ea: unknown name ${name ?? '(none)'}; 'tokenwatch-agent ea --list' lists them\n`,
    );
    return 2;
  }
  // An extension attribute always answers (exit 0): a cache problem is "Unknown (code)" on stdout, for
  // Jamf, and the whole message on stderr, for whoever runs it by hand.
  let db: Db | null = null;
  try {
    db = openExistingCache(config);
    const latest = db ? latestSnapshot(db) : null;
    io.stdout(`${renderEa(latest ? ea.value(latest) : 'Not collected')}\n`);
  } catch (err) {
    io.stdout(`${renderEa(`Unknown (${err instanceof CacheError ? err.code : 'error'})`)}\n`);
    io.stderr(`tokenwatch-agent ea: ${(err as Error).message}\n`);
  } finally {
    db?.close();
  }
  return 0;
}

export async function main(io: Io): Promise<number> {
  let parsed;
  try {
    parsed = parseArgv(io.argv);
  } catch (err) {
    if (err instanceof UsageError) {
      io.stderr(`tokenwatch-agent: ${err.message}\n\n${USAGE}`);
      return 2;
    }
    throw err;
  }
  const { values, positionals } = parsed;
  const [command, ...rest] = positionals;
  if (values['version'] || command === 'version') {
    io.stdout(`${AGENT_VERSION}\n`);
    return 0;
  }
  if (values['help'] || command === undefined || command === 'help') {
    io.stdout(USAGE);
    return command === undefined && !values['help'] ? 2 : 0;
  }
  const config = configFor(values, io.env);
  // A bad value on the command line is the caller's mistake, said now; bad values in files and the
  // environment fall back to a lower layer and are logged (one typo in a profile must not stop a fleet).
  const flagProblems = config.problems.filter((p) => p.source === 'flag');
  if (flagProblems.length > 0) {
    io.stderr(flagProblems.map((p) => `tokenwatch-agent: ${p.message}\n`).join(''));
    io.stderr(
      `tokenwatch-agent: nothing was run; correct the flag${flagProblems.length > 1 ? 's' : ''} above\n`,
    );
    return 2;
  }
  const json = values['json'] === true;
  try {
    switch (command) {
      case 'collect':
        return await cmdCollect(io, config, json);
      case 'run':
        return await cmdRun(config, values['retry-now'] === true);
      case 'status':
        return cmdStatus(io, config, json);
      case 'ea':
        return cmdEa(io, config, rest[0], values['list'] === true);
      case 'config':
        io.stdout(renderConfig(config, { json }));
        return 0;
      default:
        io.stderr(`tokenwatch-agent: unknown command ${command}\n\n${USAGE}`);
        return 2;
    }
  } catch (err) {
    if (err instanceof CacheError) {
      io.stderr(`tokenwatch-agent: ${err.message}\n`);
      return 3;
    }
    io.stderr(`tokenwatch-agent: ${(err as Error).stack ?? String(err)}\n`);
    return 1;
  }
}

// A reader that stops early (`| head`) is not an error of ours.
process.stdout.on('error', (err: NodeJS.ErrnoException) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

void main({
  argv: process.argv.slice(2),
  env: process.env,
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err: unknown) => {
    process.stderr.write(`tokenwatch-agent: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
