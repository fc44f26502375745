// What `tokenwatch serve` checks while it starts, each failure one line that says what to do (the CLI
// prints it and exits with its status; docs/operations.md lists them): the TLS files, the address to
// listen on, and a listener that would carry agents' tokens in clear.
import { createPrivateKey, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { isIP } from 'node:net';
import type { CollectorConfig } from './config.ts';
import { ConfigError, SETTINGS } from './config.ts';

/**
 * `tokenwatch` exit statuses. The systemd unit's RestartPreventExitStatus= names CONFIGURATION: a start
 * that failed for its settings fails the same way when restarted.
 */
export const EXIT = {
  ok: 0,
  /** It did not work this time and may later: the port is in use, the database busy, an action refused. */
  failed: 1,
  /** A configuration or usage error: a setting, a flag, a file the settings name. Fix it first. */
  configuration: 2,
} as const;

/** The collector cannot start now, though its settings may be right (exit status 1): the port is taken. */
export class StartError extends Error {
  override name = 'StartError';
}

const who = (): string => (typeof process.getuid === 'function' ? `uid ${process.getuid()}` : 'this user');

function readSettingFile(key: 'tlsCert' | 'tlsKey', path: string, what: string): Buffer {
  const name = `${key}, ${SETTINGS[key].env}`;
  try {
    return readFileSync(path);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    if (code === 'ENOENT')
      throw new ConfigError(
        `the TLS ${what} file ${path} (${name}) does not exist: correct the path, or set neither tlsCert nor tlsKey for plain HTTP`,
      );
    if (code === 'EACCES')
      throw new ConfigError(
        `the TLS ${what} file ${path} (${name}) is not readable by ${who()}: it must be readable by the user the collector runs as (docs/operations.md: root:tokenwatch, 0640 for the key)`,
      );
    if (code === 'EISDIR')
      throw new ConfigError(`the TLS ${what} file ${path} (${name}) is a directory: name the PEM file`);
    throw new ConfigError(`cannot read the TLS ${what} file ${path} (${name}): ${(e as Error).message}`);
  }
}

export interface TlsFiles {
  cert: Buffer;
  key: Buffer;
  /** Something to say at start that does not stop it (a certificate past its dates). */
  warnings: string[];
}

/**
 * The certificate and key for HTTPS, read and checked: both or neither set, both readable PEM, the key the
 * certificate's. undefined: plain HTTP (neither set).
 */
export function readTlsFiles(
  config: Pick<CollectorConfig, 'tlsCert' | 'tlsKey'>,
  now: Date,
): TlsFiles | undefined {
  const { tlsCert, tlsKey } = config;
  if (tlsCert === '' && tlsKey === '') return undefined;
  if (tlsCert === '' || tlsKey === '') {
    const [set, unset] = tlsCert === '' ? (['tlsKey', 'tlsCert'] as const) : (['tlsCert', 'tlsKey'] as const);
    throw new ConfigError(
      `${set} is set but ${unset} is not: HTTPS needs both (${SETTINGS.tlsCert.env} and ${SETTINGS.tlsKey.env}); set neither for plain HTTP`,
    );
  }
  const cert = readSettingFile('tlsCert', tlsCert, 'certificate');
  const key = readSettingFile('tlsKey', tlsKey, 'key');
  let x509: X509Certificate;
  try {
    x509 = new X509Certificate(cert);
  } catch {
    throw new ConfigError(
      `${tlsCert} (tlsCert) holds no PEM certificate (-----BEGIN CERTIFICATE-----): give the certificate file, with its chain`,
    );
  }
  let privateKey;
  try {
    privateKey = createPrivateKey(key);
  } catch (e) {
    const encrypted = /passphrase|encrypted/i.test((e as Error).message) || key.includes('ENCRYPTED');
    throw new ConfigError(
      encrypted
        ? `${tlsKey} (tlsKey) is encrypted: the collector cannot ask for a passphrase; give it the key without one (openssl pkey -in KEY -out KEY.plain), readable only by the service`
        : `${tlsKey} (tlsKey) holds no PEM private key (-----BEGIN PRIVATE KEY-----)`,
    );
  }
  if (!x509.checkPrivateKey(privateKey))
    throw new ConfigError(
      `the key in ${tlsKey} (tlsKey) does not belong to the certificate in ${tlsCert} (tlsCert): give the key the certificate was issued for`,
    );
  const warnings: string[] = [];
  if (now > x509.validToDate)
    warnings.push(
      `the TLS certificate in ${tlsCert} expired on ${x509.validToDate.toISOString()}: agents refuse it; renew it and restart`,
    );
  else if (now < x509.validFromDate)
    warnings.push(
      `the TLS certificate in ${tlsCert} is not valid before ${x509.validFromDate.toISOString()}: agents refuse it until then`,
    );
  return { cert, key, warnings };
}

/** localhost, 127.0.0.0/8 and ::1: addresses no other machine reaches. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/**
 * The warning a plain-HTTP listener on a reachable address gets, unless insecureHttp acknowledges it
 * (a TLS-terminating proxy on another host, a lab): null when there is nothing to say.
 */
export function plainHttpWarning(
  config: Pick<CollectorConfig, 'host' | 'insecureHttp'>,
  https: boolean,
): string | null {
  if (https || config.insecureHttp || isLoopbackHost(config.host)) return null;
  return `listening on plain HTTP on ${config.host}: agents' device tokens, the enroll secret and the admin token cross the network in clear; serve TLS (tlsCert and tlsKey), or listen on 127.0.0.1 behind a TLS proxy, or acknowledge it with --insecure-http (${SETTINGS.insecureHttp.env}=true)`;
}

/** Why listening failed, in one line; a ConfigError when the settings must change, a StartError when not. */
export function listenFailure(err: unknown, host: string, port: number): Error {
  const code = (err as { code?: unknown }).code;
  const where = `${host}:${port}`;
  switch (code) {
    case 'EADDRINUSE':
      return new StartError(
        `cannot listen on ${where}: the port is in use by another process (another tokenwatch serve?); stop it, or set --port (${SETTINGS.port.env})`,
      );
    case 'EACCES':
      return new ConfigError(
        `cannot listen on ${where}: ${who()} may not bind port ${port} (ports below 1024 need CAP_NET_BIND_SERVICE: deploy/systemd/bind-low-port.conf); use 8443, or a reverse proxy on 443`,
      );
    case 'EADDRNOTAVAIL':
      return new ConfigError(
        `cannot listen on ${where}: ${host} is not an address of this machine; set --host (${SETTINGS.host.env}) to one of its addresses, or 0.0.0.0 for all`,
      );
    case 'ENOTFOUND':
    case 'EAI_AGAIN':
      return new ConfigError(
        `cannot listen on ${where}: the host name ${host} does not resolve; set --host (${SETTINGS.host.env}) to an address`,
      );
  }
  return err instanceof Error ? err : new Error(String(err));
}

/**
 * What serve says when it created the database file: right on the first start, a mistake when --db names a
 * new file by accident (every agent's token is then unknown to it, and every Mac enrolls again).
 */
export function newDatabaseNotice(db: string): string {
  return `created a new, empty database ${db}: right on the first start; if the collector had a database before, stop it and correct --db (${SETTINGS.db.env}), then remove ${db}`;
}
