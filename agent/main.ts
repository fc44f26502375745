// The agent's composition root: argv -> config -> deps -> subcommand. main() gets argv, the environment
// and the output streams from its caller (bin/tokenwatch-agent.js, which is also the single executable's
// entry), wires the real clock, commands, files and network into the cycle (cycle.ts), and does nothing
// when imported.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomUUID } from 'node:crypto';
import { parseArgs } from 'node:util';
import type { ParseArgsConfig } from 'node:util';
import { AGENT_CONFIG_FLAGS } from './settings/declaration.ts';
import { loadConfig, uploadRefusals } from './settings/load.ts';
import type { AgentConfig } from './settings/load.ts';
import { renderConfig } from './settings/render.ts';
import { renderFlagUsage } from './settings/docs.ts';
import { splayDelayMs } from './splay.ts';
import { readPrefsFile } from './prefs/file.ts';
import { systemClock } from './clock.ts';
import { createLogger } from './log.ts';
import type { Logger } from './log.ts';
import { createRunner } from './exec/run.ts';
import { createPathStat } from './path-stat.ts';
import { collectAndCache, runCycle } from './cycle.ts';
import { runReportLines } from './run-report.ts';
import type { CycleDeps } from './cycle.ts';
import { CacheError, CACHE_FILE, ensureStateDir, openCache } from './cache/open.ts';
import type { Db } from './cache/open.ts';
import { latestSnapshot, snapshotStats } from './cache/snapshots.ts';
import { outboxSummary } from './cache/outbox.ts';
import { readState } from './cache/state.ts';
import { createClient } from './upload/client.ts';
import { MISCONFIGURATION_STATE } from './upload/uploader.ts';
import { readDeviceToken, writeDeviceToken } from './upload/device-token.ts';
import { EAS, eaByName, renderEa } from './ea.ts';
import { eaAnswer, eaSummary, parseSummaryPlist, renderSummaryPlist } from './ea-summary.ts';
import { readSummaryFile, writeSummaryFile } from './ea-summary-file.ts';
import { isStale } from './staleness.ts';
import { renderSnapshot, renderStatus } from './summary.ts';
import { renderNotRun, renderStatusNotes } from './status-notes.ts';
import { nativeSqliteBinding } from './sea/native.ts';
import { AGENT_VERSION } from './version.ts';
import { jsonText } from './snapshot/json-text.ts';
import { displayText } from './snapshot/display-text.ts';

const USAGE = `tokenwatch-agent ${AGENT_VERSION}: reports SecureToken, volume owner, FileVault and Bootstrap Token state

Usage:
  tokenwatch-agent collect [--json] [--sysroot DIR] [--state-dir DIR]   collect now, cache, print
  tokenwatch-agent run [--splay SECONDS] [--retry-now] [--report] [--sysroot DIR] [--state-dir DIR]
                                                  collect, cache, upload (what launchd runs);
                                                  --splay: wait a random 0..SECONDS first (only then);
                                                  --retry-now sends the queue now, ignoring backoff;
                                                  one line per outcome when stdout is a terminal
                                                  or with --report (launchd's runs stay quiet)
  tokenwatch-agent status [--json]                last collection, its errors, cache and outbox
  tokenwatch-agent ea NAME | ea --list            one value of the EA summary plist as a Jamf extension attribute
  tokenwatch-agent config [--json]                every setting, its value and where it came from
  tokenwatch-agent --version

Settings (flag, environment, /Library/Preferences or a profile: see 'config' and the README):
${renderFlagUsage()}
`;

export interface Io {
  argv: string[];
  env: Record<string, string | undefined>;
  /** Whether stdout is a terminal: `run` then prints its outcomes (a person typed it). */
  stdoutIsTTY?: boolean;
  stdout: (s: string) => void;
  stderr: (s: string) => void;
}

class UsageError extends Error {}

const OPTIONS: NonNullable<ParseArgsConfig['options']> = {
  ...AGENT_CONFIG_FLAGS,
  json: { type: 'boolean' },
  list: { type: 'boolean' },
  'retry-now': { type: 'boolean' },
  report: { type: 'boolean' },
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

/** The real dependencies of a cycle: this Mac's commands, clock, host name, token file and network. */
function cycleDeps(config: AgentConfig, db: Db, log: Logger): CycleDeps {
  const stateDir = config.values.StateDir;
  return {
    settings: config.values,
    db,
    now: systemClock,
    run: createRunner({ sysroot: config.sysroot }),
    stat: createPathStat(config.sysroot),
    writeSummary: (snapshot) =>
      writeSummaryFile(stateDir, renderSummaryPlist(eaSummary(snapshot, config.values.StartIntervalSeconds))),
    hostname: os.hostname,
    newId: randomUUID,
    agentVersion: AGENT_VERSION,
    log,
    client: createClient,
    tokens: {
      read: () => readDeviceToken(stateDir),
      write: (t: string) => writeDeviceToken(stateDir, t),
    },
    random: Math.random,
    uploadRefusals: uploadRefusals(config),
  };
}

function sleep(ms: number): Promise<void> {
  return new Promise((resolve) => setTimeout(resolve, ms));
}

async function cmdCollect(io: Io, config: AgentConfig, json: boolean): Promise<number> {
  const log = loggerFor(config, json || config.sysroot !== null);
  reportConfigProblems(config, log);
  const db = openDb(config);
  try {
    const { snapshot } = await collectAndCache(cycleDeps(config, db, log));
    io.stdout(json ? `${jsonText(snapshot, 2)}\n` : renderSnapshot(snapshot));
    return 0;
  } finally {
    db.close();
  }
}

async function cmdRun(
  io: Io,
  config: AgentConfig,
  retryNow: boolean,
  scheduled: boolean,
  report: boolean,
): Promise<number> {
  const log = loggerFor(config, false);
  reportConfigProblems(config, log);
  const wait = splayDelayMs(scheduled, config.values.SplaySeconds, Math.random);
  if (wait > 0) {
    log.debug({ waitMs: wait }, 'splay');
    await sleep(wait);
  }
  const db = openDb(config);
  try {
    const r = await runCycle({ ...cycleDeps(config, db, log), retryNow });
    if (report) {
      const lines = runReportLines(r, {
        serverUrl: config.values.ServerURL ?? '',
        minIntervalSeconds: config.values.MinIntervalSeconds,
        outbox: outboxSummary(db),
      });
      // Reasons quote the collector's answers: nothing in them may act on the terminal.
      io.stdout(lines.map((l) => `${displayText(l)}\n`).join(''));
    }
    return 0;
  } finally {
    db.close();
  }
}

function cmdConfig(io: Io, config: AgentConfig, json: boolean): number {
  // What the collector's last answer said about ServerURL (a redirect, a 404), if a cache exists.
  // `config` is what an admin runs to find out what is wrong: a cache it cannot open is said, not fatal.
  let serverAnswer: string | null = null;
  let db: Db | null = null;
  try {
    db = openExistingCache(config);
    serverAnswer = db ? (readState<{ error: string }>(db, MISCONFIGURATION_STATE)?.error ?? null) : null;
  } catch (err) {
    if (!(err instanceof CacheError)) throw err;
    serverAnswer = `unknown, the cache cannot be read: ${err.message}`;
  } finally {
    db?.close();
  }
  io.stdout(renderConfig(config, { json, serverAnswer }));
  return 0;
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
    const lastRun = view.latest && {
      lastCollectedAt: view.latest.collectedAt,
      now: systemClock(),
      intervalSeconds: config.values.StartIntervalSeconds,
    };
    const notRunning =
      lastRun !== null && isStale(lastRun.lastCollectedAt, lastRun.now, lastRun.intervalSeconds);
    const notes = {
      uploadRefusals: uploadRefusals(config),
      gap: view.outbox.gap,
      maxCachedSnapshots: config.values.MaxCachedSnapshots,
    };
    io.stdout(
      json
        ? `${jsonText({ ...view, notRunning, uploadRefusals: notes.uploadRefusals }, 2)}\n`
        : renderStatus(view) + (lastRun ? renderNotRun(lastRun) : '') + renderStatusNotes(notes),
    );
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
  // An extension attribute always answers (exit 0): it reads the summary plist a collection wrote (what
  // the one-line EAs read too), never the cache; a problem is "Unknown (why)" on stdout, for Jamf, and the
  // whole message on stderr, for whoever runs it by hand.
  try {
    const text = readSummaryFile(config.values.StateDir);
    const parsed = text === null ? null : parseSummaryPlist(text);
    if (parsed !== null && 'error' in parsed) {
      io.stdout(`${renderEa('Unknown (summary unreadable)')}\n`);
      io.stderr(`tokenwatch-agent ea: the EA summary cannot be read: ${parsed.error}\n`);
      return 0;
    }
    io.stdout(`${renderEa(eaAnswer(parsed?.summary ?? null, ea.name, systemClock()))}\n`);
  } catch (err) {
    io.stdout(`${renderEa(`Unknown (${err instanceof CacheError ? err.code : 'error'})`)}\n`);
    io.stderr(`tokenwatch-agent ea: ${(err as Error).message}\n`);
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
  const flagProblems = config.problems.filter((p) => p.source === 'flag' && p.combination !== true);
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
        // --splay on the command line marks a scheduled run (the LaunchDaemon's); only such a run waits.
        return await cmdRun(
          io,
          config,
          values['retry-now'] === true,
          values['splay'] !== undefined,
          values['report'] === true || io.stdoutIsTTY === true,
        );
      case 'status':
        return cmdStatus(io, config, json);
      case 'ea':
        return cmdEa(io, config, rest[0], values['list'] === true);
      case 'config':
        return cmdConfig(io, config, json);
      default:
        io.stderr(`tokenwatch-agent: unknown command "${command}"\n\n${USAGE}`);
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
