// The documentation keeps up with the files: launchd/README.md describes every file in launchd/ and
// every key of the LaunchDaemon (its preference table is generated from the agent's settings
// declaration: test/agent/settings/docs.test.ts); docs/deploy-macos.md documents every extension
// attribute and shows commands that use the real label and paths.
import assert from 'node:assert/strict';
import { readFile, readdir } from 'node:fs/promises';
import { join, relative } from 'node:path';
import { test } from 'node:test';
import { asDict, parseXml, readLaunchdFile } from './plist-files.ts';
import { EXE, LABEL, LAUNCHD_DIR, UNINSTALLER } from './scratch-mac.ts';

const DEPLOY_DOC = new URL('../../docs/deploy-macos.md', import.meta.url).pathname;
const EXTENSION_ATTRIBUTES = [
  'bootstrap-escrowed',
  'users-without-securetoken',
  'securetoken-holders',
  'volume-owners',
  'filevault',
  'mdm-enrolled',
  'last-collection',
  'collection-errors',
];

/** The first cells of a Markdown document's table rows, without their backticks. */
function firstCells(markdown: string): string[] {
  return markdown
    .split('\n')
    .filter((line) => line.startsWith('| ') && !/^\|[\s|:-]+$/.test(line))
    .map((line) => (line.split('|')[1] ?? '').trim().replace(/`/g, ''));
}

async function filesUnder(dir: string): Promise<string[]> {
  const entries = await readdir(dir, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => relative(dir, join(entry.parentPath, entry.name)));
}

test('launchd/README.md lists every file in launchd/', async () => {
  const readme = await readLaunchdFile('README.md');
  const rows = firstCells(readme).flatMap((cell) => cell.split(',').map((name) => name.trim()));
  for (const file of await filesUnder(LAUNCHD_DIR)) {
    if (file === 'README.md') continue;
    assert.ok(rows.includes(file), `${file} is in the README's file table`);
  }
});

test('launchd/README.md explains every key of the LaunchDaemon', async () => {
  const readme = await readLaunchdFile('README.md');
  const rows = firstCells(readme).flatMap((cell) => cell.split(',').map((name) => name.trim()));
  const daemon = asDict(parseXml(await readLaunchdFile(`${LABEL}.plist`)), 'LaunchDaemon');
  for (const key of Object.keys(daemon)) assert.ok(rows.includes(key), `${key} has a row`);
  for (const absent of ['KeepAlive', 'UserName'])
    assert.match(readme, new RegExp(`\\*\\*\`${absent}\`\\*\\*`), `why no ${absent}`);
});

test('docs/deploy-macos.md documents every extension attribute and gives a script that runs `ea`', async () => {
  const doc = await readFile(DEPLOY_DOC, 'utf8');
  const rows = firstCells(doc);
  for (const name of EXTENSION_ATTRIBUTES) assert.ok(rows.includes(name), `${name} has a row`);
  assert.match(doc, new RegExp(`agent=${EXE}\\n`));
  assert.match(doc, /"\$agent" ea bootstrap-escrowed/);
  assert.match(doc, /echo "<result>Not installed<\/result>"/);
});

test('docs/deploy-macos.md covers verify, upgrade, remove, troubleshooting and signing, with the real names', async () => {
  const doc = await readFile(DEPLOY_DOC, 'utf8');
  for (const heading of [
    '## 4. Check a Mac',
    '## 5. Upgrade',
    '## 6. Remove',
    '## 7. Troubleshooting',
    '## Jamf Pro, end to end',
    '## Kandji, end to end',
    '## Developer ID signing and notarization',
  ]) {
    assert.ok(doc.includes(`\n${heading}\n`), heading);
  }
  for (const command of [
    `sudo launchctl print system/${LABEL}`,
    'sudo tokenwatch-agent status',
    'sudo tokenwatch-agent config',
    '/Library/Logs/tokenwatch/agent.log',
    'sudo sfltool dumpbtm',
    `sudo ${UNINSTALLER} --purge`,
    'sudo ./uninstall.sh --purge',
    `pkgutil --forget ${LABEL}`,
    'codesign --force --options runtime --timestamp',
    'TOKENWATCH_PKG_SIGNING_IDENTITY="Developer ID Installer',
    'xcrun notarytool submit',
    'xcrun stapler staple',
  ]) {
    assert.ok(doc.includes(command), command);
  }
  for (const mdm of ['Jamf Pro', 'Kandji', 'Intune', 'Workspace ONE']) assert.ok(doc.includes(mdm), mdm);
});

test('docs/deploy-macos.md: one package for every Mac, the login-items rule, and Jamf parameters as install.sh reads them', async () => {
  const doc = await readFile(DEPLOY_DOC, 'utf8');
  assert.doesNotMatch(doc, /one package per architecture/i);
  assert.match(doc, /darwin-universal/);
  assert.match(doc, /hostArchitectures="arm64,x86_64"/);
  assert.match(doc, /`RuleType` +\| `Label`|`Rules\[0\]\.RuleType` +\| `Label`/);
  assert.match(doc, /`Rules\[0\]\.RuleValue` +\| `com\.tokenwatch\.agent`/);
  const install = await readLaunchdFile('install.sh');
  assert.match(install, /source_arg=\$\{4:-\}\n\s+sha256=\$\{5:-\}/, 'install.sh reads parameters 4 and 5');
  assert.match(doc, /\*\*parameter 4\*\* is the release/);
  assert.match(doc, /\*\*parameter 5\*\* its SHA-256/);
  const uninstall = await readLaunchdFile('uninstall.sh');
  assert.match(uninstall, /case "\$\{4:-\}" in/, 'uninstall.sh reads parameter 4');
  assert.match(doc, /parameter 4\s+`purge` is `--purge`/);
});

test('launchd/README.md says why the executable is universal and which Jamf parameters the scripts read', async () => {
  const readme = await readLaunchdFile('README.md');
  assert.match(readme, /\n## One executable for every Mac: universal, not one per architecture\n/);
  for (const reason of ['One code path', 'Signing and notarization', 'The cost is disk space'])
    assert.ok(readme.includes(`**${reason}`), reason);
  const rows = firstCells(readme);
  for (const parameter of ['$1', '$2', '$3', '$4', '$5']) assert.ok(rows.includes(parameter), parameter);
});
