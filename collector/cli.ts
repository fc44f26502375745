// `tokenwatch`: serve | config | devices list|show|revoke|retire | exempt add|list|remove | conflicts | prune
// | report | alerts test|list | backup | openapi | pin. Reads argv and the environment, builds the config
// (config.ts) and hands over to main.ts or the store. Every failure it expects is one line on stderr and an
// exit status of startup.ts's EXIT (the usage lists them); only a bug prints a stack.
import { parseArgs } from 'node:util';
import { loadConfig, describeConfig, ConfigError, SETTINGS, SETTING_KEYS } from './config.ts';
import type { SettingKey, LoadedConfig } from './config.ts';
import { startCollector } from './main.ts';
import { monotonic, systemClock } from './clock.ts';
import { databaseName, openConfiguredStore, openReadOnlyStore, ReadOnlyOpenError } from './store/open.ts';
import type { Store } from './store/types.ts';
import { ADMIN_USAGE, adminCommand } from './cli/admin-commands.ts';
import { conflictsJson, describeConflict, resolveConflict } from './services/identity-conflicts.ts';
import { pruneOnce } from './jobs/prune.ts';
import { ruleConfig } from './services/evaluation.ts';
import { openApiDocument } from './openapi.ts';
import { BACKUP_USAGE, backupCommand } from './backup.ts';
import { MIGRATE_TO_POSTGRES_USAGE, migrateToPostgresCommand } from './migrate-to-postgres.ts';
import { pinCommand } from './tls-pin.ts';
import { ALERTS_USAGE, alertsCommand } from './alerts-command.ts';
import { AlertConfigError } from './alerts/config.ts';
import { readFileSync } from 'node:fs';
import { Refusal } from './services/errors.ts';
import { StoreBusyError, StoreOpenError } from './store/types.ts';
import { EXIT, StartError } from './startup.ts';
import { COLLECTOR_VERSION } from './version.ts';
import { REPORT_USAGE, reportCommand } from '../reports/cli.ts';
import { createReadModel } from './services/read-model.ts';

const USAGE = `usage:
  tokenwatch serve (--db FILE | --database-url postgres://...) [--host 127.0.0.1] [--port N] [--config FILE] [--<setting> VALUE ...]
  tokenwatch config [--config FILE] [--<setting> VALUE ...]     every setting, its value and where it came from
${ADMIN_USAGE}
  tokenwatch conflicts list (--db FILE | --database-url URL) [--all] [--serial S] [--json]  identity conflicts (open ones unless --all)
  tokenwatch conflicts resolve (--db FILE | --database-url URL) ID --keep existing|claimant [--by NAME]
  tokenwatch prune (--db FILE | --database-url URL)              apply the retention settings now
  ${REPORT_USAGE}
  ${BACKUP_USAGE}
  ${MIGRATE_TO_POSTGRES_USAGE}
  tokenwatch openapi                                             print the OpenAPI document (docs/openapi.json)
  tokenwatch pin --cert FILE                                     the agents' PinSHA256 of a PEM certificate's public key
  ${ALERTS_USAGE}
  tokenwatch --version
settings (flag / environment): ${SETTING_KEYS.map((k) => `--${SETTINGS[k].flag}`).join(' ')}
  (a true-or-false setting's flag alone means true: --insecure-http)
exit status: ${EXIT.ok} done; ${EXIT.failed} failed, and may work later (the port in use, the database busy, nothing with that id);
  ${EXIT.configuration} a configuration or usage error (a setting, a flag, a file it names): fix it first (systemd does not restart on it)
`;

const settingOptions = Object.fromEntries(
  SETTING_KEYS.map((k) => [SETTINGS[k].flag, { type: 'string' as const }]),
);

const BOOLEAN_FLAGS = new Set(
  SETTING_KEYS.filter((k) => (SETTINGS[k].schema as { type?: unknown }).type === 'boolean').map(
    (k) => `--${SETTINGS[k].flag}`,
  ),
);
const BOOLEAN_WORDS = /^(1|0|true|false|yes|no|on|off)$/i;

/** A true-or-false setting's flag may stand alone (`--insecure-http`): it then means true. */
function withBareBooleans(argv: string[]): string[] {
  const out: string[] = [];
  argv.forEach((arg, i) => {
    out.push(arg);
    const next = argv[i + 1];
    if (BOOLEAN_FLAGS.has(arg) && (next === undefined || !BOOLEAN_WORDS.test(next))) out.push('true');
  });
  return out;
}

function parse(argv: string[], extra: Record<string, { type: 'string' | 'boolean' }> = {}) {
  const { values, positionals } = parseArgs({
    args: withBareBooleans(argv),
    options: {
      config: { type: 'string' },
      help: { type: 'boolean', short: 'h' },
      ...settingOptions,
      ...extra,
    },
    allowPositionals: true,
    strict: true,
  });
  const flags: Partial<Record<SettingKey, string>> = {};
  for (const key of SETTING_KEYS) {
    const v = (values as Record<string, unknown>)[SETTINGS[key].flag];
    if (typeof v === 'string') flags[key] = v;
  }
  const loaded: LoadedConfig = loadConfig({
    env: process.env,
    flags,
    configFile: typeof values.config === 'string' ? values.config : undefined,
  });
  return { values: values as Record<string, string | boolean | undefined>, positionals, loaded };
}

async function serve(argv: string[]): Promise<number> {
  const { loaded } = parse(argv);
  const { config } = loaded;
  const named = (k: 'db' | 'databaseUrl' | 'adminToken' | 'enrollSecret') =>
    `${k} (--${SETTINGS[k].flag} or ${SETTINGS[k].env})`;
  const missing = (['adminToken', 'enrollSecret'] as const).filter((k) => config[k] === '').map(named);
  if (config.db === '' && config.databaseUrl === '')
    missing.unshift(`${named('db')} or ${named('databaseUrl')}`);
  if (missing.length > 0) {
    process.stderr.write(`tokenwatch serve: missing ${missing.join(', ')}\n`);
    return 2;
  }
  const running = await startCollector(config);
  // The log has the warnings (journald keeps them); a terminal gets them in words too.
  if (process.stderr.isTTY)
    for (const w of running.warnings) process.stderr.write(`tokenwatch serve: warning: ${w}\n`);
  process.stdout.write(`tokenwatch collector listening on ${running.url}\n`);
  await new Promise<void>((resolve) => {
    const stop = () => resolve();
    process.once('SIGINT', stop);
    process.once('SIGTERM', stop);
  });
  await running.close();
  return 0;
}

async function conflicts(argv: string[]): Promise<number> {
  const [action, ...rest] = argv;
  const { values, positionals, loaded } = parse(rest, {
    all: { type: 'boolean' },
    serial: { type: 'string' },
    json: { type: 'boolean' },
    keep: { type: 'string' },
    by: { type: 'string' },
  });
  if (loaded.config.db === '' && loaded.config.databaseUrl === '') {
    process.stderr.write(
      'tokenwatch conflicts: --db FILE (or TOKENWATCH_DB) or --database-url URL is required\n',
    );
    return 2;
  }
  if (action !== 'list' && action !== 'resolve') {
    process.stderr.write(USAGE);
    return 2;
  }
  const id = Number(positionals[0]);
  const keep = values['keep'];
  if (
    action === 'resolve' &&
    (!Number.isSafeInteger(id) || id < 1 || (keep !== 'existing' && keep !== 'claimant'))
  ) {
    process.stderr.write('tokenwatch conflicts resolve: give the conflict id and --keep existing|claimant\n');
    return 2;
  }
  const store = openConfiguredStore(loaded.config, {
    auditMaxRows: loaded.config.auditMaxRows,
    mustExist: true,
  }) as Store;
  try {
    if (action === 'list') {
      const list = await store.identityConflicts.list({
        ...(values['all'] === true ? {} : { state: 'open' as const }),
        ...(typeof values['serial'] === 'string' ? { serial: values['serial'] } : {}),
        limit: 10_000,
      });
      if (values['json'] === true) process.stdout.write(`${conflictsJson(list)}\n`);
      else if (list.length === 0)
        process.stdout.write(`no ${values['all'] === true ? '' : 'open '}identity conflicts\n`);
      else for (const c of list) process.stdout.write(`${describeConflict(c)}\n`);
      return 0;
    }
    const by = typeof values['by'] === 'string' ? values['by'] : 'tokenwatch CLI';
    const r = await resolveConflict(store, id, keep as 'existing' | 'claimant', by, systemClock.now());
    if (!r) {
      process.stderr.write(`tokenwatch conflicts resolve: no identity conflict ${id}\n`);
      return 1;
    }
    process.stdout.write(
      `identity conflict ${id} resolved: ${keep === 'claimant' ? 'kept the claimant' : 'kept the existing device'}${r.changed ? '' : ' (already)'}\n`,
    );
    return 0;
  } finally {
    await store.close();
  }
}

export async function main(argv: string[]): Promise<number> {
  const [command, ...rest] = argv;
  try {
    switch (command) {
      case 'serve':
        return await serve(rest);
      case 'config': {
        const { loaded } = parse(rest);
        process.stdout.write(describeConfig(loaded.settings));
        return 0;
      }
      case 'devices':
      case 'exempt':
        return await adminCommand(command, rest, {
          parse,
          openStore: openConfiguredStore,
          clock: systemClock,
          out: (t) => process.stdout.write(t),
          err: (t) => process.stderr.write(t),
        });
      case 'conflicts':
        return await conflicts(rest);
      case 'openapi': {
        process.stdout.write(await openApiDocument());
        return 0;
      }
      case 'pin':
        return pinCommand(
          rest,
          (s) => process.stdout.write(s),
          (s) => process.stderr.write(s),
        );
      case 'prune': {
        const { loaded } = parse(rest);
        const store = openConfiguredStore(loaded.config, { mustExist: true });
        if (!store) {
          process.stderr.write('tokenwatch prune: --db FILE or --database-url URL is required\n');
          return 2;
        }
        try {
          const r = await pruneOnce(store, loaded.config, systemClock.now());
          process.stdout.write(
            `pruned ${r.history} history entries, ${r.receipts} receipts, ${r.audit} audit entries\n`,
          );
        } finally {
          await store.close();
        }
        return 0;
      }
      case 'report': {
        // The rules' settings (stale age, grace periods) and the pool's as the collector reads them, from
        // the environment.
        const config = loadConfig({ env: process.env, flags: {} }).config;
        const rules = ruleConfig(config);
        return await reportCommand(rest, {
          env: process.env,
          now: systemClock.now(),
          stdout: process.stdout,
          stderr: process.stderr,
          openDb: async (source) => {
            const db = 'db' in source ? source.db : '';
            const databaseUrl = 'databaseUrl' in source ? source.databaseUrl : '';
            const store = await openReadOnlyStore({ ...config, db, databaseUrl });
            return {
              name: databaseName({ db, databaseUrl }),
              readModel: createReadModel(store, rules),
              close: () => store.close(),
            };
          },
        });
      }
      case 'alerts': {
        const { loaded, positionals, values } = parse(rest, { json: { type: 'boolean' } });
        return await alertsCommand(positionals, {
          config: loaded.config,
          json: values['json'] === true,
          secrets: { env: process.env, readFile: (p) => readFileSync(p, 'utf8') },
          now: systemClock.now(),
          monotonic,
          out: (s) => process.stdout.write(s),
          err: (s) => process.stderr.write(s),
        });
      }
      case 'backup':
        return await backupCommand(rest, {
          env: process.env,
          now: systemClock.now(),
          monotonic,
          out: (s) => process.stdout.write(s),
          err: (s) => process.stderr.write(s),
        });
      case 'migrate-to-postgres':
        return await migrateToPostgresCommand(rest, {
          env: process.env,
          monotonic,
          out: (s) => process.stdout.write(s),
          err: (s) => process.stderr.write(s),
        });
      case '--version':
      case 'version':
        process.stdout.write(`${COLLECTOR_VERSION}\n`);
        return EXIT.ok;
      case undefined:
      case 'help':
      case '--help':
      case '-h':
        process.stdout.write(USAGE);
        return EXIT.ok;
      default:
        process.stderr.write(`tokenwatch: unknown command "${command}"\n\n${USAGE}`);
        return EXIT.configuration;
    }
  } catch (e) {
    const where = command === undefined ? 'tokenwatch' : `tokenwatch ${command}`;
    if (
      e instanceof ConfigError ||
      e instanceof AlertConfigError ||
      e instanceof StoreOpenError ||
      e instanceof Refusal ||
      (e as { code?: string }).code?.startsWith('ERR_PARSE_ARGS')
    ) {
      process.stderr.write(`${where}: ${(e as Error).message}\n`);
      return EXIT.configuration;
    }
    if (e instanceof StartError) {
      process.stderr.write(`${where}: ${e.message}\n`);
      return EXIT.failed;
    }
    if (e instanceof ReadOnlyOpenError) {
      process.stderr.write(`tokenwatch: ${e.message}\n`);
      return 1;
    }
    if (e instanceof StoreBusyError) {
      process.stderr.write(`${where}: ${e.message}; try again shortly\n`);
      return EXIT.failed;
    }
    throw e;
  }
}

process.exitCode = await main(process.argv.slice(2));
