// Every property list in launchd/, read by two independent parsers (npm `plist`, and the agent's own strict
// reader that reads managed preferences on the Mac): the LaunchDaemon's keys, values and element types, and
// the example profile's payloads and settings. Debian's libplist reads them too, in the system suite
// (plists.system.test.ts), and agrees on values and element types.
import assert from 'node:assert/strict';
import { readdir } from 'node:fs/promises';
import { join } from 'node:path';
import { describe, test } from 'node:test';
import { parseXmlPlist } from '../../agent/prefs/xml-plist.ts';
import {
  type Dict,
  EXAMPLE_KEYS,
  PREFERENCE_KEYS,
  asDict,
  elementOf,
  parseXml,
  readLaunchdFile,
} from './plist-files.ts';
import { EXE, LABEL, LAUNCHD_DIR, LOG_DIR } from './scratch-mac.ts';

const DAEMON = `${LABEL}.plist`;
const PROFILE = `${LABEL}.example.mobileconfig`;
const MANAGED = 'managed-preferences.example.plist';
const PROPERTY_LISTS = [DAEMON, PROFILE, MANAGED];

/** The certificate pin setting, whatever its current name. */
const PIN_KEYS = Object.keys(PREFERENCE_KEYS).filter((key) => key.includes('Pin'));

const UUID = /^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/;
const SERVICE_MANAGEMENT = 'com.apple.servicemanagement';
/** RuleType values of the Managed Login Items payload (Apple's device-management
 * mdm/profiles/com.apple.servicemanagement.yaml, rangelist). */
const RULE_TYPES = ['BundleIdentifier', 'BundleIdentifierPrefix', 'Label', 'LabelPrefix', 'TeamIdentifier'];

/** The profile's payloads by PayloadType: the settings (domain com.tokenwatch.agent) and the
 * Managed Login Items. */
function payloads(profile: Dict): { settings: Dict; loginItems: Dict; all: Dict[] } {
  const content = profile.PayloadContent;
  assert.ok(Array.isArray(content), 'PayloadContent is an array');
  const all = content.map((entry, i) => asDict(entry, `PayloadContent[${i}]`));
  const byType = (type: string): Dict => {
    const found = all.filter((payload) => payload.PayloadType === type);
    assert.equal(found.length, 1, `one payload of type ${type}`);
    return found[0] as Dict;
  };
  return { settings: byType(LABEL), loginItems: byType(SERVICE_MANAGEMENT), all };
}

/** The file's text and its value, read by both parsers (which must agree). Element types are read from
 * the text, which the strict reader has accepted as a plist. */
async function both(relative: string): Promise<{ text: string; value: Dict }> {
  const text = await readLaunchdFile(relative);
  const value = asDict(parseXml(text), relative);
  assert.deepEqual(parseXmlPlist(text), value, `${relative}: the strict reader and npm plist disagree`);
  return { text, value };
}

test('launchd/ holds exactly the property lists checked here', async () => {
  const lists = (await readdir(LAUNCHD_DIR)).filter((name) => /\.(plist|mobileconfig)$/.test(name)).sort();
  assert.deepEqual(lists, [...PROPERTY_LISTS].sort());
});

for (const name of PROPERTY_LISTS) {
  test(`${name}: an XML plist 1.0 with Apple's DTD, which both parsers read alike`, async () => {
    const { text } = await both(name);
    assert.ok(text.startsWith('<?xml version="1.0" encoding="UTF-8"?>\n'), 'XML declaration, UTF-8');
    assert.match(
      text,
      /^<!DOCTYPE plist PUBLIC "-\/\/Apple\/\/DTD PLIST 1\.0\/\/EN" "http:\/\/www\.apple\.com\/DTDs\/PropertyList-1\.0\.dtd">$/m,
    );
    assert.match(text, /^<plist version="1\.0">$/m);
  });
}

describe(DAEMON, () => {
  test('has exactly the launchd keys intended: no KeepAlive, and no UserName (a daemon runs as root)', async () => {
    const { value } = await both(DAEMON);
    assert.deepEqual(Object.keys(value).sort(), [
      'Label',
      'LowPriorityIO',
      'Nice',
      'ProcessType',
      'ProgramArguments',
      'RunAtLoad',
      'StandardErrorPath',
      'StandardOutPath',
      'StartInterval',
      'ThrottleInterval',
      'WatchPaths',
    ]);
  });

  test('each key has the element type launchd requires', async () => {
    const { text } = await both(DAEMON);
    const expected: Record<string, string> = {
      Label: 'string',
      ProgramArguments: 'array',
      RunAtLoad: 'true',
      StartInterval: 'integer',
      WatchPaths: 'array',
      ThrottleInterval: 'integer',
      ProcessType: 'string',
      LowPriorityIO: 'true',
      Nice: 'integer',
      StandardOutPath: 'string',
      StandardErrorPath: 'string',
    };
    for (const [key, element] of Object.entries(expected)) {
      assert.equal(elementOf(text, key), element, key);
    }
  });

  test('Label is the service name and the file name', async () => {
    const { value } = await both(DAEMON);
    assert.equal(value.Label, LABEL);
    assert.equal(`${value.Label}.plist`, DAEMON);
  });

  test('runs the installed executable (absolute path) with `run --splay 300`', async () => {
    const { value } = await both(DAEMON);
    const args = value.ProgramArguments;
    assert.ok(Array.isArray(args));
    assert.ok(
      args.every((arg) => typeof arg === 'string'),
      'every argument is a string',
    );
    assert.equal(args[0], EXE);
    assert.ok(String(args[0]).startsWith('/'));
    assert.equal(args[1], 'run');
    const splay = args.indexOf('--splay');
    assert.ok(splay > 1, '--splay is passed');
    assert.match(String(args[splay + 1]), /^[0-9]+$/, 'the splay is whole seconds');
    assert.equal(args[splay + 1], '300');
  });

  test('runs at load, hourly, and when the local user records change, throttled and in the background', async () => {
    const { value } = await both(DAEMON);
    assert.equal(value.RunAtLoad, true);
    assert.equal(value.StartInterval, 3600);
    assert.deepEqual(value.WatchPaths, ['/private/var/db/dslocal/nodes/Default/users']);
    const throttle = value.ThrottleInterval;
    assert.equal(typeof throttle, 'number');
    // longer than launchd's default 10 s so a burst of writes starts one run, well under the interval
    assert.ok(
      Number(throttle) >= 60 && Number(throttle) < Number(value.StartInterval),
      `ThrottleInterval ${throttle}`,
    );
    assert.equal(value.ProcessType, 'Background');
    assert.equal(value.LowPriorityIO, true);
    assert.ok(
      Number.isInteger(value.Nice) && Number(value.Nice) > 0 && Number(value.Nice) <= 20,
      'Nice lowers priority',
    );
  });

  test('sends stdout and stderr to launchd.log in the log directory the agent and newsyslog use', async () => {
    const { value } = await both(DAEMON);
    assert.equal(value.StandardOutPath, `${LOG_DIR}/launchd.log`);
    assert.equal(value.StandardErrorPath, `${LOG_DIR}/launchd.log`);
  });
});

describe(PROFILE, () => {
  test('is a System-scoped configuration profile of two payloads with uppercase, distinct PayloadUUIDs', async () => {
    const { value, text } = await both(PROFILE);
    assert.equal(value.PayloadType, 'Configuration');
    assert.equal(value.PayloadScope, 'System');
    assert.equal(value.PayloadVersion, 1);
    assert.equal(typeof value.PayloadIdentifier, 'string');
    assert.equal(typeof value.PayloadDisplayName, 'string');
    const { all } = payloads(value);
    assert.equal(all.length, 2, 'the settings and the managed login items');
    const uuids = [value.PayloadUUID, ...all.map((payload) => payload.PayloadUUID)];
    for (const uuid of uuids) assert.match(String(uuid), UUID);
    assert.equal(new Set(uuids).size, uuids.length, 'PayloadUUIDs are distinct');
    const identifiers = all.map((payload) => String(payload.PayloadIdentifier));
    for (const identifier of identifiers)
      assert.ok(
        identifier.startsWith(`${String(value.PayloadIdentifier)}.`),
        `${identifier} nests under the profile identifier`,
      );
    assert.equal(new Set(identifiers).size, identifiers.length, 'PayloadIdentifiers are distinct');
    for (const payload of all) {
      assert.equal(payload.PayloadVersion, 1);
      assert.equal(typeof payload.PayloadDisplayName, 'string');
    }
    assert.equal([...text.matchAll(/<key>PayloadVersion<\/key>\s*<integer>1<\/integer>/g)].length, 3);
  });

  test('its settings payload is the custom settings of the domain com.tokenwatch.agent, with every key typed as the agent reads it', async () => {
    const { value, text } = await both(PROFILE);
    const { settings: payload } = payloads(value);
    const settings = Object.keys(payload).filter((key) => !key.startsWith('Payload'));
    // Exactly the keys the declaration marks `profile: 'example'`, in its order.
    assert.deepEqual(settings, EXAMPLE_KEYS);
    for (const key of settings) {
      const elements = PREFERENCE_KEYS[key];
      assert.ok(elements !== undefined, `${key} is a key the agent reads`);
      assert.ok(elements.includes(elementOf(text, key)), `${key} is written as ${elements.join(' or ')}`);
    }
    assert.ok(
      Array.isArray(payload.ExcludeUsers) && payload.ExcludeUsers.every((user) => typeof user === 'string'),
    );
  });

  test("sets no SplaySeconds: the LaunchDaemon's --splay 300 is the fleet's splay (a profile's value would replace it)", async () => {
    for (const name of [PROFILE, MANAGED]) {
      const { text } = await both(name);
      assert.doesNotMatch(text, /<key>SplaySeconds<\/key>/, name);
    }
    const { value } = await both(DAEMON);
    assert.ok(Array.isArray(value.ProgramArguments) && value.ProgramArguments.includes('--splay'));
  });

  test('its Managed Login Items payload (com.apple.servicemanagement) allows the LaunchDaemon by its Label', async () => {
    const { value, text } = await both(PROFILE);
    const { loginItems } = payloads(value);
    assert.deepEqual(Object.keys(loginItems).sort(), [
      'PayloadDisplayName',
      'PayloadIdentifier',
      'PayloadType',
      'PayloadUUID',
      'PayloadVersion',
      'Rules',
    ]);
    assert.equal(elementOf(text, 'Rules'), 'array');
    const rules = loginItems.Rules;
    assert.ok(Array.isArray(rules) && rules.length === 1, 'one rule');
    const rule = asDict(rules[0], 'Rules[0]');
    // Apple's keys: RuleType and RuleValue required, Comment and TeamIdentifier optional, all strings.
    assert.deepEqual(Object.keys(rule).sort(), ['Comment', 'RuleType', 'RuleValue']);
    for (const key of ['RuleType', 'RuleValue', 'Comment']) assert.equal(elementOf(text, key), 'string', key);
    assert.ok(RULE_TYPES.includes(String(rule.RuleType)), `RuleType ${String(rule.RuleType)}`);
    // An ad-hoc signature has no Team ID, so only the launchd Label can match the agent.
    assert.equal(rule.RuleType, 'Label');
    const daemon = asDict(parseXml(await readLaunchdFile(DAEMON)), DAEMON);
    assert.equal(rule.RuleValue, daemon.Label);
    assert.match(String(rule.Comment), /tokenwatch/);
  });

  test('its values are obviously placeholders (example.com, REPLACE-ME)', async () => {
    const { value } = await both(PROFILE);
    const { settings: payload } = payloads(value);
    const url = new URL(String(payload.ServerURL));
    assert.equal(url.protocol, 'https:');
    assert.equal(url.hostname.endsWith('.example.com'), true);
    assert.match(String(payload.EnrollSecret), /^REPLACE-ME/, 'EnrollSecret');
    assert.ok(PIN_KEYS.length > 0, 'the agent reads a pin setting');
    for (const key of PIN_KEYS) {
      const pins = payload[key];
      assert.ok(Array.isArray(pins) && pins.length === 2, `${key}: the current key and a backup key`);
      assert.ok(
        pins.every((pin) => String(pin).startsWith('REPLACE-ME')),
        key,
      );
    }
    assert.match(String(value.PayloadOrganization), /REPLACE-ME/);
    assert.ok((payload.ExcludeUsers as string[]).every((user) => user.startsWith('REPLACE-ME')));
  });

  test(`${MANAGED} carries the same settings without the profile around them`, async () => {
    const profile = await both(PROFILE);
    const { settings: payload } = payloads(profile.value);
    const settings = Object.fromEntries(
      Object.entries(payload).filter(([key]) => !key.startsWith('Payload')),
    );
    const managed = await both(MANAGED);
    assert.deepEqual(managed.value, settings);
    for (const key of Object.keys(managed.value)) {
      assert.ok(PREFERENCE_KEYS[key]?.includes(elementOf(managed.text, key)), key);
    }
  });
});

test('the agent and launchd logs are the two files newsyslog rotates', async () => {
  const conf = await readLaunchdFile(join('newsyslog.d', `${LABEL}.conf`));
  const daemon = asDict(parseXml(await readLaunchdFile(DAEMON)), DAEMON);
  const rows = conf
    .split('\n')
    .filter((line) => line.trim() !== '' && !line.startsWith('#'))
    .map((line) => line.trim().split(/\s+/));
  assert.deepEqual(
    rows.map((row) => row[0]),
    [`${LOG_DIR}/agent.log`, daemon.StandardOutPath],
  );
  for (const row of rows) {
    // logfilename owner:group mode count size(KB) when flags
    assert.equal(row.length, 7, row.join(' '));
    const [, owner, mode, count, size, when, flags] = row;
    assert.equal(owner, 'root:admin');
    assert.equal(mode, '640');
    assert.equal(count, '5');
    assert.equal(size, '5120', '5 MB');
    assert.equal(when, '*', 'by size only');
    assert.match(String(flags), /^[A-Z]+$/);
    assert.ok(flags?.includes('Z') || flags?.includes('J'), 'compressed');
    assert.ok(flags?.includes('N'), 'no process to signal');
  }
});
