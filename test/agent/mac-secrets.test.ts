// Standing test: a Mac's secrets never leave it. A simulated Mac whose tools print a FileVault recovery
// key, APNs push token and Bootstrap Token bytes, a password and a password hash where the agent
// expects something else (SYNTHETIC outputs, written here; the rest are real samples) is collected and
// uploaded to a real collector. Then everything the agent wrote or sent is scanned: the snapshot it
// prints (collect --json), its log, every file in its state directory and every row of its SQLite
// cache, and every row the collector stored (snapshot bodies decompressed) and every line it logged.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import zlib from 'node:zlib';
import Database from 'better-sqlite3';
import { cleanEnv, runAgent } from '../helpers/agent-process.ts';
import { ENROLL_SECRET, startTestCollector } from '../helpers/collector.ts';
import { derivedMac } from '../helpers/derived-mac.ts';
import { readCalls } from '../helpers/sysroot.ts';
import { sampleText } from './probes/samples.ts';

const NSLOG = '2026-03-02 11:55:00.123 sysadminctl[1234:5678]';
// SYNTHETIC secrets (made up; no real one is ever written down).
const RECOVERY_KEY = 'K3QW-7HNM-X2PL-9RTV-B4CZ-M8JD';
const BOOTSTRAP_HEX = ['9c1e2f3a', '4b5c6d7e', '8f901a2b', '3c4d5e6f', '0a1b2c3d', '4e5f6a7b'];
const BOOTSTRAP_B64 = 'MIIBCgKCAQEAu1SU1LfVLPHCozMxH2Mo4lgOEePzNm0tRgeLezV6ffAt0gunVTLw7onLRnrq0';
const PASSWORD = 'Tr0ub4dor&3';
const SHADOW_HASH = ['62706c69', '73743030', 'd101025f', '10145341', '4c544544'];
// Real: the push token bytes of the real mdmclient capture the simulated Mac prints.
const MDMCLIENT = sampleText('mdmclient', 'QueryDeviceInformation-13.3.1a-applesilicon-withheader.txt');
const PUSH_LINE = (MDMCLIENT.split('\n').find((l) => l.includes('PushToken')) ?? '').trim();
const PUSH_HEX = ['068b4535', '172f7bd3', '851facee', '38625271', '61731ac3'];

// Real: the device keys Fleet's committer left unredacted in a Platform SSO capture; SYNTHETIC: a Secure
// Enclave key and a credential written into a broken copy of it.
const APP_SSO = sampleText(
  'app_sso_platform',
  'device-configured-registration-not-completed-fleet-2026-03.txt',
);
const DEVICE_KEYS = ['wI3a/2hAEPpukuFsD/Vi29mtPiay3Qgr', 'Qt3aUwTLbX/bFehpl/DBthLhTgXfnuCK'];
const SEP_KEY = 'MHcCAQEEIBx9k2Vq7Zp4Lw8Ns3Jd6Tf1Rg0Yh5Ua2Xc7Vb4Nm9QoAoGCCqGSM49';
const CREDENTIAL = 'c2VjcmV0LWNyZWRlbnRpYWwtb2YtdGhlLXVzZXI6aHVudGVyMg';

const SECRETS = [
  RECOVERY_KEY,
  ...DEVICE_KEYS,
  // V8 quotes 10 characters of the input after the fault: a leak through its message shows this much.
  SEP_KEY.slice(0, 10),
  CREDENTIAL.slice(0, 10),
  ...BOOTSTRAP_HEX,
  BOOTSTRAP_B64.slice(0, 24),
  PASSWORD,
  ...SHADOW_HASH,
  ...PUSH_HEX,
];
/** Any recovery key at all, not only the planted one. */
const ANY_RECOVERY_KEY = /\b[A-Z0-9]{4}(?:-[A-Z0-9]{4}){5}\b/i;

function leaks(where: string, text: string): string[] {
  const found = SECRETS.filter((s) => text.includes(s)).map((s) => `${where}: ${s}`);
  const key = ANY_RECOVERY_KEY.exec(text);
  if (key) found.push(`${where}: recovery key ${key[0]}`);
  return found;
}

/** Every value of every row of every table, Buffers as text and, when they inflate, inflated. */
function dumpDatabase(file: string): string {
  const db = new Database(file, { readonly: true, fileMustExist: true });
  try {
    const parts: string[] = [];
    const tables = db.prepare("SELECT name FROM sqlite_master WHERE type = 'table'").all() as {
      name: string;
    }[];
    for (const { name } of tables) {
      for (const row of db.prepare(`SELECT * FROM "${name}"`).all() as Record<string, unknown>[]) {
        for (const v of Object.values(row)) {
          if (Buffer.isBuffer(v)) {
            parts.push(v.toString('utf8'));
            try {
              parts.push(zlib.inflateRawSync(v).toString('utf8'));
            } catch {
              // not a deflate-raw body
            }
          } else parts.push(String(v));
        }
      }
    }
    return parts.join('\n');
  } finally {
    db.close();
  }
}

const isSqlite = (file: string) =>
  fs.readFileSync(file).subarray(0, 16).toString('latin1') === 'SQLite format 3\0';

/** The real capture with its JSON broken where the key material is, and a stray credential line. */
function brokenAppSso(): string {
  const broken = APP_SSO.replace(
    '"_deviceEncryptionKeyData" : "',
    `"_sepKeyData" : ${SEP_KEY}, "_deviceEncryptionKeyData" : "`,
  );
  assert.notEqual(broken, APP_SSO, 'the capture has the key line the test breaks');
  return `${broken}_credential : ${CREDENTIAL}\n  "_deviceSigningKeyData" : "${DEVICE_KEYS[1]}",\n`;
}

function secretMac() {
  return derivedMac('applesilicon-compliant', {
    why: 'tools print a recovery key, token bytes, a password and a password hash where the agent expects states',
    replace: {
      // After the status line, the forms `fdesetup enable` prints its key in: text, and -outputplist.
      '/usr/bin/fdesetup status': {
        stdout: `FileVault is On.\nRecovery key = '${RECOVERY_KEY}'\n<key>RecoveryKey</key>\n<string>${RECOVERY_KEY}</string>\n`,
      },
      // A verbose mdmclient: the real answer (its PushToken inside the plist), preceded by a log line
      // repeating the push token and one printing Bootstrap Token bytes in the same NSData form.
      '/usr/libexec/mdmclient QueryDeviceInformation': {
        stdout: `${PUSH_LINE}\nBootstrapToken = <${BOOTSTRAP_HEX.join(' ')}>\n${MDMCLIENT}`,
      },
      '/usr/bin/profiles status -type bootstraptoken': {
        stdout: `profiles: Bootstrap Token supported on server: YES\nprofiles: Bootstrap Token escrowed to server: YES\nprofiles: BootstrapToken: ${BOOTSTRAP_B64}\n`,
      },
      // sysadminctl echoing a password, then its answer.
      '/usr/sbin/sysadminctl -secureTokenStatus alice': {
        stderr: `${NSLOG} Password: ${PASSWORD}\n${NSLOG} -adminPassword ${PASSWORD} not needed\n${NSLOG} Secure token is ENABLED for user alice\n`,
      },
      // app-sso as the console user: key material inside JSON that does not parse (V8's JSON.parse error
      // quotes the input around the fault) and outside any section.
      '/bin/launchctl asuser 501 /usr/bin/sudo -u alice /usr/bin/app-sso platform -s': {
        stdout: brokenAppSso(),
      },
      // A deferral whose enablement record is on disk: the record holds the key in clear (as the real
      // 10.15.6 report shows), and so does the escrow file here: the agent looks at both, never opens them.
      '/usr/bin/fdesetup showdeferralinfo': {
        stdout: sampleText('fdesetup_deferral', 'deferral-active-profile-catalina.txt'),
      },
      // dscl printing the record's password hash among the attributes asked for.
      '/usr/bin/dscl . -read /Users/alice GeneratedUID AuthenticationAuthority': {
        stdout: `AuthenticationAuthority: ;ShadowHash;HASHLIST:<SALTED-SHA512-PBKDF2,SRP-RFC5054-4096-SHA512-PBKDF2> ;SecureToken;\nGeneratedUID: DA145BD0-81C7-41AA-9676-794E0A14B63D\ndsAttrTypeNative:ShadowHashData:\n ${SHADOW_HASH.join(' ')}\nShadowHashData: ${SHADOW_HASH.join(' ')}\n`,
      },
    },
    files: {
      '/var/db/ConfigurationProfiles/fdesetup.plist': {
        text: `{\n    RecoveryKey = "${RECOVERY_KEY}";\n    EnabledUser = alice;\n}\n`,
        modified: '2026-02-01T10:00:00Z',
      },
      '/var/db/FileVaultPRK.dat': {
        text: `PRK ${RECOVERY_KEY} ${SEP_KEY}\n`,
        modified: '2026-02-01T10:00:00Z',
      },
    },
  });
}

test('Mac secrets never leave the Mac: snapshot, agent log, cache and state, collector rows and logs', async (t) => {
  const mac = secretMac();
  t.after(() => fs.rmSync(path.dirname(mac.root), { recursive: true, force: true }));
  const collector = await startTestCollector();
  try {
    // 1. The snapshot as printed, and the log lines on stderr.
    const printed = await runAgent(['collect', '--json', ...mac.flags]);
    assert.equal(printed.code, 0, printed.stderr);
    const snapshot = JSON.parse(printed.stdout) as { errors: { probe: string; message: string }[] };
    const calls = readCalls(mac.root).join('\n');
    for (const cmd of ['/usr/bin/fdesetup status', '/usr/libexec/mdmclient', '-secureTokenStatus alice'])
      assert.ok(calls.includes(cmd), `the Mac printed its secrets: ${cmd} ran`);
    // The secret-bearing lines did reach the agent's error path, which quotes lines (so the scan below
    // means something: without the redaction they would be in these messages).
    const quoted = snapshot.errors.filter((e) => e.message.includes('unrecognised: ')).map((e) => e.probe);
    for (const source of [
      'fdesetup_status',
      'mdmclient',
      'profiles_bootstrap',
      'sysadminctl',
      'app_sso_platform',
    ])
      assert.ok(quoted.includes(source), `${source} quoted a line: ${JSON.stringify(snapshot.errors)}`);
    assert.ok(
      snapshot.errors.some(
        (e) => e.probe === 'app_sso_platform' && /not a valid JSON object/.test(e.message),
      ),
      'the broken JSON reached the parser',
    );
    // The files holding the key were looked at (present), never read.
    const looked = JSON.parse(printed.stdout) as {
      fileVault: { deferral: { recordPresent: boolean }; prkEscrowFile: { present: boolean } };
    };
    assert.equal(looked.fileVault.deferral.recordPresent, true);
    assert.equal(looked.fileVault.prkEscrowFile.present, true);

    // 2. A run that uploads to the collector (the log goes to the log file).
    const run = await runAgent(['run', ...mac.flags, '--server-url', collector.url], {
      env: cleanEnv({ TOKENWATCH_ENROLL_SECRET: ENROLL_SECRET }),
    });
    assert.equal(run.code, 0, run.stderr);
    const devices = await collector.admin('/api/v1/devices');
    assert.equal(devices.status, 200);
    assert.equal(devices.json.devices.length, 1, 'the snapshot reached the collector');

    const found: string[] = [];
    found.push(...leaks('collect --json stdout', printed.stdout), ...leaks('collect stderr', printed.stderr));
    found.push(...leaks('run stdout', run.stdout), ...leaks('run stderr', run.stderr));
    const logFile = path.join(mac.root, 'Library/Logs/tokenwatch/agent.log');
    const log = fs.readFileSync(logFile, 'utf8');
    assert.match(log, /unrecognised: /, 'the log quotes the errors');
    found.push(...leaks('agent log', log));
    let cacheRows = 0;
    for (const f of fs.globSync('**/*', { cwd: mac.stateDir })) {
      const file = path.join(mac.stateDir, f);
      if (!fs.statSync(file).isFile()) continue;
      found.push(...leaks(`state file ${f}`, fs.readFileSync(file).toString('latin1')));
      if (isSqlite(file)) {
        const dump = dumpDatabase(file);
        cacheRows += dump.split('unrecognised: ').length - 1;
        found.push(...leaks(`cache rows ${f}`, dump));
      }
    }
    assert.ok(cacheRows > 0, 'the cache holds the snapshot with its errors');
    const stored = dumpDatabase(collector.dbPath);
    assert.match(stored, /unrecognised: /, 'the collector stored the snapshot with its errors');
    found.push(...leaks('collector rows', stored));
    found.push(...leaks('collector log', collector.logs.map((l) => JSON.stringify(l)).join('\n')));

    t.diagnostic(
      `mac secrets: ${SECRETS.length} planted values and any recovery key searched in the snapshot, ` +
        `${log.split('\n').length - 1} agent log lines, the agent's state files and cache, ` +
        `${stored.length} characters of collector rows and ${collector.logs.length} collector log lines: ${found.length} found`,
    );
    assert.deepEqual(found, []);
  } finally {
    await collector.stop();
  }
});
