// The declaration and loadConfig: the layers, where each value came from, bad values, --sysroot, secrets.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { parseArgs } from 'node:util';
import {
  AGENT_CONFIG_FLAGS,
  CONFIG_KEYS,
  MANAGED_PREFERENCES_PLIST,
  PREFERENCES_PLIST,
  SETTINGS,
} from '../../../agent/settings/declaration.ts';
import type { ConfigKey } from '../../../agent/settings/declaration.ts';
import { loadConfig, uploadRefusals } from '../../../agent/settings/load.ts';
import type { ConfigSource } from '../../../agent/settings/load.ts';
import { renderConfig } from '../../../agent/settings/render.ts';
import { PIN_A, PIN_B, fixture, int, load, plist, str } from './load-input.ts';
import type { Setup } from './load-input.ts';

test('nothing configured: every value is its default, with no problems', () => {
  const config = load();
  assert.deepEqual(config.values, {
    ServerURL: null,
    EnrollSecret: null,
    PinSHA256: [],
    AllowInsecureHTTP: false,
    SplaySeconds: 0,
    MinIntervalSeconds: 900,
    StartIntervalSeconds: 3600,
    ExcludeUsers: [],
    CollectTimeoutSeconds: 30,
    UploadTimeoutSeconds: 30,
    MaxCachedSnapshots: 720,
    MaxCacheBytes: 50 * 1024 * 1024,
    LogLevel: 'info',
    StateDir: '/Library/Application Support/tokenwatch',
    LogFile: '/Library/Logs/tokenwatch/agent.log',
  });
  for (const key of CONFIG_KEYS) assert.equal(config.sources[key], 'default', key);
  assert.deepEqual(config.problems, []);
  assert.deepEqual(config.read, [PREFERENCES_PLIST, MANAGED_PREFERENCES_PLIST]);
  assert.equal(config.files.preferences.state, 'absent');
  assert.equal(config.files.managed.state, 'absent');
});

test('the table: every key has a TOKENWATCH_* twin and a flag that parseArgs accepts, all distinct', () => {
  const envs = CONFIG_KEYS.map((k) => SETTINGS[k].env);
  const flags = CONFIG_KEYS.map((k) => SETTINGS[k].flag);
  assert.equal(new Set(envs).size, CONFIG_KEYS.length);
  assert.equal(new Set(flags).size, CONFIG_KEYS.length);
  for (const key of CONFIG_KEYS) {
    assert.match(SETTINGS[key].env, /^TOKENWATCH_[A-Z0-9_]+$/, key);
    assert.ok(
      AGENT_CONFIG_FLAGS[SETTINGS[key].flag],
      `${key}: --${SETTINGS[key].flag} is in AGENT_CONFIG_FLAGS`,
    );
    assert.ok(SETTINGS[key].description.length > 10, key);
  }
  assert.deepEqual(AGENT_CONFIG_FLAGS.sysroot, { type: 'string' });
  assert.deepEqual(
    CONFIG_KEYS.filter((k) => SETTINGS[k].secret),
    ['EnrollSecret'],
  );
});

// ---- precedence ----------------------------------------------------------------------------

/** One value per layer for a key, as that layer writes it. */
interface LayerValues {
  preferences: string;
  environment: string;
  flag: string | string[];
  managed: string;
}
const LAYERS = ['preferences', 'environment', 'flag', 'managed'] as const;

function matrix(key: ConfigKey, raw: LayerValues, expected: Record<(typeof LAYERS)[number], unknown>): void {
  // Every non-empty subset of the four layers: the highest one present wins; nothing else is reported.
  for (let mask = 1; mask < 16; mask++) {
    const present = LAYERS.filter((_, i) => mask & (1 << i));
    const name = `${key}: ${present.join(' + ')} -> ${present.at(-1)}`;
    test(name, () => {
      const setup: Setup = {};
      if (present.includes('preferences')) setup.preferences = plist({ [key]: raw.preferences });
      if (present.includes('managed')) setup.managed = plist({ [key]: raw.managed });
      if (present.includes('environment')) setup.env = { [SETTINGS[key].env]: raw.environment };
      if (present.includes('flag')) setup.flags = { [SETTINGS[key].flag]: raw.flag };
      const config = load(setup);
      const winner = present.at(-1) as ConfigSource & (typeof LAYERS)[number];
      assert.deepEqual(config.values[key], expected[winner]);
      assert.equal(config.sources[key], winner);
      assert.deepEqual(
        (config.overridden[key] ?? []).map((o) => o.source),
        present.slice(0, -1),
      );
      assert.deepEqual(config.problems, []);
    });
  }
}

describe('precedence: defaults < preferences < environment < flags < managed', () => {
  matrix(
    'SplaySeconds',
    { preferences: int(10), environment: '20', flag: '30', managed: int(40) },
    { preferences: 10, environment: 20, flag: 30, managed: 40 },
  );
  matrix(
    'ServerURL',
    {
      preferences: str('https://p.example'),
      environment: 'https://e.example',
      flag: 'https://f.example',
      managed: str('https://m.example'),
    },
    {
      preferences: 'https://p.example',
      environment: 'https://e.example',
      flag: 'https://f.example',
      managed: 'https://m.example',
    },
  );
  // A list is replaced by a higher layer, never merged.
  matrix(
    'ExcludeUsers',
    {
      preferences: '<array><string>p1</string><string>p2</string></array>',
      environment: 'e1, e2,,e1',
      flag: ['f1', 'f2,f3'],
      managed: '<array><string>m1</string></array>',
    },
    { preferences: ['p1', 'p2'], environment: ['e1', 'e2'], flag: ['f1', 'f2', 'f3'], managed: ['m1'] },
  );
});

test('the LaunchDaemon passes --splay 300: a profile still wins and the flag is shown as overridden', () => {
  const { values } = parseArgs({ args: ['--splay', '300'], options: AGENT_CONFIG_FLAGS, strict: true });
  const config = load({
    flags: values,
    preferences: plist({ SplaySeconds: int(60) }),
    managed: plist({ SplaySeconds: int(600) }),
  });
  assert.equal(config.values.SplaySeconds, 600);
  assert.equal(config.sources.SplaySeconds, 'managed');
  assert.deepEqual(config.overridden.SplaySeconds, [
    { source: 'preferences', display: '60' },
    { source: 'flag', display: '300' },
  ]);
  assert.match(
    renderConfig(config),
    /^SplaySeconds +600 +MANAGED {2}\(overrides preferences: 60; flag: 300\)$/m,
  );
});

test('every key reads from its environment twin and its flag (parsed by parseArgs with AGENT_CONFIG_FLAGS)', () => {
  const samples: Record<ConfigKey, [string, unknown]> = {
    ServerURL: ['https://127.0.0.1:8443', 'https://127.0.0.1:8443'],
    EnrollSecret: ['s3cr3t', 's3cr3t'],
    PinSHA256: ['AA'.repeat(32), [Buffer.from('aa'.repeat(32), 'hex').toString('base64')]],
    AllowInsecureHTTP: ['true', true],
    SplaySeconds: ['5', 5],
    MinIntervalSeconds: ['0', 0],
    StartIntervalSeconds: ['7200', 7200],
    ExcludeUsers: ['svc', ['svc']],
    CollectTimeoutSeconds: ['7', 7],
    UploadTimeoutSeconds: ['8', 8],
    MaxCachedSnapshots: ['9', 9],
    MaxCacheBytes: ['2097152', 2097152],
    LogLevel: ['DEBUG', 'debug'],
    StateDir: ['/tmp/tw-state', '/tmp/tw-state'],
    LogFile: ['/tmp/tw.log', '/tmp/tw.log'],
  };
  const env = Object.fromEntries(CONFIG_KEYS.map((k) => [SETTINGS[k].env, samples[k][0]]));
  const fromEnv = load({ env, sysroot: '/sim' });
  // A boolean setting's flag takes no value (--allow-insecure-http); its environment twin says true.
  const args = CONFIG_KEYS.flatMap((k) =>
    AGENT_CONFIG_FLAGS[SETTINGS[k].flag]?.type === 'boolean'
      ? [`--${SETTINGS[k].flag}`]
      : [`--${SETTINGS[k].flag}`, samples[k][0]],
  );
  const { values } = parseArgs({
    args: ['--sysroot', '/sim', ...args],
    options: AGENT_CONFIG_FLAGS,
    strict: true,
  });
  const fromFlags = load({ flags: values, sysroot: values.sysroot as string });
  for (const key of CONFIG_KEYS) {
    assert.deepEqual(fromEnv.values[key], samples[key][1], `${key} from ${SETTINGS[key].env}`);
    assert.equal(fromEnv.sources[key], 'environment');
    assert.deepEqual(fromFlags.values[key], samples[key][1], `${key} from --${SETTINGS[key].flag}`);
    assert.equal(fromFlags.sources[key], 'flag');
  }
  assert.deepEqual(fromEnv.problems, []);
  assert.deepEqual(fromFlags.problems, []);
});

test('an empty environment variable counts as unset', () => {
  const config = load({
    env: { TOKENWATCH_SERVER_URL: '', TOKENWATCH_EXCLUDE_USERS: '' },
    preferences: plist({ ServerURL: str('https://p.example') }),
  });
  assert.equal(config.values.ServerURL, 'https://p.example');
  assert.equal(config.sources.ServerURL, 'preferences');
  assert.equal(config.sources.ExcludeUsers, 'default');
});

// ---- real-world files ----------------------------------------------------------------------

describe('plist files as macOS writes them', () => {
  for (const form of ['xml', 'bin', 'plistlib']) {
    test(`managed preferences from an MDM profile (${form}), payload keys ignored, over /Library/Preferences`, () => {
      const config = load({
        managed: fixture(`managed-mdm.${form}.plist`),
        preferences: fixture(`preferences-defaults.${form === 'xml' ? 'bin' : 'xml'}.plist`),
      });
      assert.deepEqual(config.problems, []);
      assert.equal(config.files.managed.state, 'read');
      assert.equal(config.files.preferences.state, 'read');
      const expected: Partial<Record<ConfigKey, [unknown, ConfigSource]>> = {
        ServerURL: ['https://tokenwatch.example.edu', 'managed'],
        EnrollSecret: ['tw-enroll-7Qx2Lm9Vd4Rk8Np3Hs6Jc1Fb', 'managed'],
        PinSHA256: [[PIN_A, PIN_B], 'managed'],
        ExcludeUsers: [['_jamfadmin', 'itsupport'], 'managed'],
        SplaySeconds: [600, 'managed'],
        MinIntervalSeconds: [1800, 'preferences'],
        LogLevel: ['debug', 'preferences'],
        StateDir: ['/Library/Application Support/tokenwatch-staging', 'preferences'],
        LogFile: ['/Library/Logs/tokenwatch/agent.log', 'default'],
      };
      for (const [key, [value, source]] of Object.entries(expected) as [
        ConfigKey,
        [unknown, ConfigSource],
      ][]) {
        assert.deepEqual(config.values[key], value, key);
        assert.equal(config.sources[key], source, key);
      }
      assert.deepEqual(config.overridden.ServerURL, [
        { source: 'preferences', display: 'https://staging.tokenwatch.example.edu' },
      ]);
    });
  }
});

// ---- bad values ----------------------------------------------------------------------------

describe('a bad value is a problem naming key, source and file; the lower layer value is used', () => {
  const managedPath = MANAGED_PREFERENCES_PLIST;
  const prefsPath = PREFERENCES_PLIST;

  test('a managed value of the wrong type falls back to the flag (the agent keeps running)', () => {
    const config = load({
      managed: plist({ ServerURL: int(443) }),
      flags: { 'server-url': 'https://f.example' },
    });
    assert.equal(config.values.ServerURL, 'https://f.example');
    assert.equal(config.sources.ServerURL, 'flag');
    assert.deepEqual(config.problems, [
      {
        key: 'ServerURL',
        source: 'managed',
        file: managedPath,
        message: `ServerURL in ${managedPath} (MANAGED): expected a string, got a plist integer; using the flag value https://f.example`,
      },
    ]);
  });

  test('a bad value under a good higher one says the higher value applies anyway', () => {
    const config = load({
      preferences: plist({ SplaySeconds: str('300') }),
      env: { TOKENWATCH_SPLAY_SECONDS: '20' },
    });
    assert.equal(config.values.SplaySeconds, 20);
    assert.deepEqual(
      config.problems.map((p) => p.message),
      [
        `SplaySeconds in ${prefsPath} (preferences): expected an <integer>, got a plist string; ignored; the environment value applies anyway`,
      ],
    );
  });

  test('an integer written as <string> in /Library/Preferences', () => {
    const config = load({ preferences: plist({ SplaySeconds: str('300') }) });
    assert.equal(config.values.SplaySeconds, 0);
    assert.equal(config.sources.SplaySeconds, 'default');
    assert.equal(config.problems.length, 1);
    assert.equal(
      config.problems[0]?.message,
      `SplaySeconds in ${prefsPath} (preferences): expected an <integer>, got a plist string; using the default value 0`,
    );
  });

  const cases: [string, Setup, ConfigKey, ConfigSource, RegExp][] = [
    [
      'a word in an integer variable',
      { env: { TOKENWATCH_SPLAY_SECONDS: 'five' } },
      'SplaySeconds',
      'environment',
      /^SplaySeconds from TOKENWATCH_SPLAY_SECONDS \(environment\): "five" is not a whole number; using the default value 0$/,
    ],
    [
      'a negative flag',
      { flags: { splay: '-1' } },
      'SplaySeconds',
      'flag',
      /^SplaySeconds from --splay \(flag\): "-1" is not a whole number/,
    ],
    [
      'a real with a fraction',
      { managed: plist({ CollectTimeoutSeconds: '<real>2.5</real>' }) },
      'CollectTimeoutSeconds',
      'managed',
      /expected an <integer>, got a plist real; using the default value 30$/,
    ],
    [
      'an integer out of range',
      { preferences: plist({ CollectTimeoutSeconds: int(0) }) },
      'CollectTimeoutSeconds',
      'preferences',
      /0 is outside 1\.\.3600/,
    ],
    [
      'a cache bound below 1 MB',
      { managed: plist({ MaxCacheBytes: int(2) }) },
      'MaxCacheBytes',
      'managed',
      /2 is outside 1048576\.\./,
    ],
    [
      'a 64-bit integer',
      { managed: plist({ SplaySeconds: '<integer>9223372036854775807</integer>' }) },
      'SplaySeconds',
      'managed',
      /9223372036854775807 is outside 0\.\.86400/,
    ],
    [
      'a user list that is a string',
      { managed: plist({ ExcludeUsers: str('svc1,svc2') }) },
      'ExcludeUsers',
      'managed',
      /expected an <array> of <string>, got a plist string/,
    ],
    [
      'a user list holding an integer',
      { preferences: plist({ ExcludeUsers: '<array><string>a</string><integer>501</integer></array>' }) },
      'ExcludeUsers',
      'preferences',
      /it holds a plist integer/,
    ],
    [
      'an unknown log level',
      { env: { TOKENWATCH_LOG_LEVEL: 'verbose' } },
      'LogLevel',
      'environment',
      /"verbose" is not one of fatal, error, warn, info, debug, trace/,
    ],
    [
      'a URL without a scheme',
      { flags: { 'server-url': 'tokenwatch.example.com' } },
      'ServerURL',
      'flag',
      /"tokenwatch\.example\.com" is not an http:\/\/ or https:\/\/ URL/,
    ],
    [
      'an ftp URL',
      { env: { TOKENWATCH_SERVER_URL: 'ftp://x.example' } },
      'ServerURL',
      'environment',
      /is not an http:\/\/ or https:\/\/ URL/,
    ],
    [
      'a URL with credentials',
      { managed: plist({ ServerURL: str('https://admin:hunter2@x.example') }) },
      'ServerURL',
      'managed',
      /the URL must not hold credentials/,
    ],
    [
      'an empty secret',
      { managed: plist({ EnrollSecret: '<string/>' }) },
      'EnrollSecret',
      'managed',
      /the secret is empty; using the default value \(not set\)$/,
    ],
    [
      'a relative StateDir in a plist',
      { preferences: plist({ StateDir: str('var/tw') }) },
      'StateDir',
      'preferences',
      /"var\/tw" is not an absolute path/,
    ],
    [
      'a relative --state-dir without a working directory',
      { flags: { 'state-dir': 'state' } },
      'StateDir',
      'flag',
      /"state" is not an absolute path/,
    ],
  ];
  for (const [name, setup, key, source, message] of cases) {
    test(name, () => {
      const config = load(setup);
      assert.equal(config.problems.length, 1, JSON.stringify(config.problems));
      const [problem] = config.problems;
      assert.equal(problem?.key, key);
      assert.equal(problem?.source, source);
      assert.equal(
        problem?.file,
        source === 'managed' ? managedPath : source === 'preferences' ? prefsPath : null,
      );
      assert.match(problem?.message ?? '', message);
      assert.equal(config.sources[key], 'default');
      assert.deepEqual(config.values[key], load().values[key]);
    });
  }

  const pins: [string, string[] | null][] = [
    [
      '3F:1A:9C:0B:77:E2:5D:48:A1:C6:0E:93:B4:2F:D8:71:6A:05:EE:C9:14:8B:53:F0:27:DA:69:BC:31:8E:A4:07',
      [PIN_A],
    ],
    ['3F1A9C0B77E25D48A1C60E93B42FD8716A05EEC9148B53F027DA69BC318EA407', [PIN_A]],
    [' 3f1a9c0b77e25d48a1c60e93b42fd8716a05eec9148b53f027da69bc318ea407\n', [PIN_A]],
    [PIN_A, [PIN_A]],
    [`${PIN_A},${PIN_B}`, [PIN_A, PIN_B]],
    [`${PIN_A}, ${PIN_A}`, [PIN_A]],
    ['3f1a9c0b77e25d48a1c60e93b42fd8716a05eec9148b53f027da69bc318ea4', null], // 63 digits
    [
      'sha256 Fingerprint=3F:1A:9C:0B:77:E2:5D:48:A1:C6:0E:93:B4:2F:D8:71:6A:05:EE:C9:14:8B:53:F0:27:DA:69:BC:31:8E:A4:07',
      null,
    ],
    ['3F1A:9C0B:77E2:5D48:A1C6:0E93:B42F:D871:6A05:EEC9:148B:53F0:27DA:69BC:318E:A407', null],
    ['zz1a9c0b77e25d48a1c60e93b42fd8716a05eec9148b53f027da69bc318ea407', null],
    ['d2c5b9a1e0f3c4b7a6d9e8f1c2b3a4d5', null], // an MD5-sized value
    [`${PIN_A},REPLACE-ME-backup-key`, null], // one bad entry: the whole list, never a shorter one
  ];
  for (const [raw, expected] of pins) {
    test(`PinSHA256 ${JSON.stringify(raw.slice(0, 24))}...: ${expected ? 'normalised' : 'rejected, uploads refused'}`, () => {
      const config = load({ env: { TOKENWATCH_PIN_SHA256: raw } });
      assert.deepEqual(config.values.PinSHA256, expected ?? []);
      assert.equal(config.problems.length, expected ? 0 : 1);
      assert.deepEqual(uploadRefusals(config).length, expected ? 0 : 1);
      if (!expected)
        assert.match(
          config.problems[0]?.message ?? '',
          /^PinSHA256 from TOKENWATCH_PIN_SHA256 \(environment\): .*(is not a SHA-256 pin|is a placeholder).*; uploads are refused until it is corrected/,
        );
    });
  }
});

describe('settings that refuse uploads instead of falling back (an unusable pin is never "no pin")', () => {
  test('the placeholder of the example profile refuses uploads, and config says so', () => {
    const config = load({
      managed: plist({
        ServerURL: str('https://tokenwatch.example.com'),
        PinSHA256: `<array>${str('REPLACE-ME-with-the-pin')}</array>`,
      }),
    });
    assert.deepEqual(config.values.PinSHA256, []);
    assert.equal(config.problems[0]?.blocksUpload, true);
    assert.match(config.problems[0]?.message ?? '', /is a placeholder/);
    const text = renderConfig(config);
    assert.match(text, /\nUPLOADS ARE REFUSED until this is corrected:\n {2}- PinSHA256 in .* \(MANAGED\): /);
    const json = JSON.parse(renderConfig(config, { json: true })) as { uploadsRefused: string[] };
    assert.equal(json.uploadsRefused.length, 1);
  });

  test('a bad pin in a lower layer that a higher layer replaces is only a warning', () => {
    const config = load({
      preferences: plist({ PinSHA256: str('not-a-pin') }),
      managed: plist({ PinSHA256: str(PIN_B) }),
    });
    assert.deepEqual(config.values.PinSHA256, [PIN_B]);
    assert.deepEqual(uploadRefusals(config), []);
    assert.match(config.problems[0]?.message ?? '', /ignored; the MANAGED value applies anyway$/);
  });

  test('a plist string or an array of strings; another plist type is refused', () => {
    assert.deepEqual(load({ managed: plist({ PinSHA256: str(PIN_A) }) }).values.PinSHA256, [PIN_A]);
    const bad = load({ managed: plist({ PinSHA256: int(1) }) });
    assert.match(
      bad.problems[0]?.message ?? '',
      /expected a <string> or an <array> of <string>, got a plist integer/,
    );
    assert.equal(uploadRefusals(bad).length, 1);
  });

  test('--pin-sha256 is repeatable', () => {
    const { values } = parseArgs({
      args: ['--pin-sha256', PIN_A, '--pin-sha256', PIN_B],
      options: AGENT_CONFIG_FLAGS,
      strict: true,
    });
    assert.deepEqual(load({ flags: values }).values.PinSHA256, [PIN_A, PIN_B]);
  });

  test('a CAPinSHA256 left in a profile refuses uploads and names PinSHA256; with PinSHA256 set it is ignored', () => {
    const legacy = load({ managed: plist({ CAPinSHA256: str('ab'.repeat(32)) }) });
    assert.match(uploadRefusals(legacy)[0] ?? '', /CAPinSHA256 in .* is no longer read: .*PinSHA256/);
    const both = load({ managed: plist({ CAPinSHA256: str('ab'.repeat(32)), PinSHA256: str(PIN_A) }) });
    assert.deepEqual(uploadRefusals(both), []);
    assert.match(both.problems[0]?.message ?? '', /ignored, PinSHA256 applies$/);
    const fromEnv = load({ env: { TOKENWATCH_CA_PIN_SHA256: 'ab'.repeat(32) } });
    assert.match(uploadRefusals(fromEnv)[0] ?? '', /from TOKENWATCH_CA_PIN_SHA256/);
  });

  test('plain http:// to another host refuses uploads unless AllowInsecureHTTP; loopback is allowed', () => {
    const remote = load({ flags: { 'server-url': 'http://tokenwatch.example.com' } });
    assert.match(uploadRefusals(remote)[0] ?? '', /plain http:\/\/ to another host.*AllowInsecureHTTP/);
    const allowed = load({
      flags: { 'server-url': 'http://tokenwatch.example.com' },
      env: { TOKENWATCH_ALLOW_INSECURE_HTTP: 'yes' },
    });
    assert.equal(allowed.values.AllowInsecureHTTP, true);
    assert.deepEqual(uploadRefusals(allowed), []);
    assert.match(renderConfig(allowed), /^AllowInsecureHTTP +true +environment$/m);
    for (const url of ['http://127.0.0.1:8080', 'http://localhost:8080', 'http://[::1]:8080'])
      assert.deepEqual(uploadRefusals(load({ flags: { 'server-url': url } })), [], url);
  });

  test('a pin with http:// is an error, never a pin silently ignored', () => {
    const config = load({ flags: { 'server-url': 'http://127.0.0.1:8080', 'pin-sha256': [PIN_A] } });
    assert.match(uploadRefusals(config)[0] ?? '', /PinSHA256 is set but ServerURL is http:\/\//);
  });
});

describe('a whole file that cannot be used is a problem, and its layer is skipped', () => {
  test('not a plist', () => {
    const config = load({
      managed: Buffer.from('ServerURL=https://x.example\n'),
      flags: { 'server-url': 'https://f.example' },
    });
    assert.equal(config.values.ServerURL, 'https://f.example');
    assert.equal(config.files.managed.state, 'unreadable');
    assert.deepEqual(config.problems, [
      {
        key: null,
        source: 'managed',
        file: MANAGED_PREFERENCES_PLIST,
        message: `${MANAGED_PREFERENCES_PLIST} (MANAGED) is ignored: not a plist: starts with "ServerURL=https:", neither "bplist00" nor XML`,
      },
    ]);
  });

  test('a truncated binary plist names the problem', () => {
    const full = fixture('preferences-defaults.bin.plist');
    const config = load({ preferences: full.subarray(0, full.length - 10) });
    assert.equal(config.sources.ServerURL, 'default');
    assert.match(
      config.problems[0]?.message ?? '',
      /^\/Library\/Preferences\/com\.tokenwatch\.agent\.plist \(preferences\) is ignored: truncated or corrupt binary plist: the trailer \(last 32 bytes\) is not valid/,
    );
  });

  test('a root that is not a dictionary', () => {
    const config = load({ preferences: Buffer.from('<plist><array/></plist>') });
    assert.match(
      config.problems[0]?.message ?? '',
      /is ignored: its root is a plist array, expected a dictionary$/,
    );
  });

  test('an unreadable file (readFile throws)', () => {
    const config = loadConfig({
      flags: {},
      env: {},
      sysroot: null,
      readFile: (path) => {
        if (path === PREFERENCES_PLIST) throw new Error('EACCES: permission denied');
        return null;
      },
    });
    assert.equal(config.files.preferences.state, 'unreadable');
    assert.match(
      config.problems[0]?.message ?? '',
      /is ignored: cannot read it \(EACCES: permission denied\)$/,
    );
  });

  test('a known key in the wrong case is reported, other unknown keys are ignored', () => {
    const config = load({
      managed: plist({ serverURL: str('https://x.example'), PayloadUUID: str('ABC'), Foo: int(1) }),
    });
    assert.equal(config.sources.ServerURL, 'default');
    assert.deepEqual(
      config.problems.map((p) => [p.key, p.message]),
      [
        [
          'ServerURL',
          `serverURL in ${MANAGED_PREFERENCES_PLIST} (MANAGED) is ignored: keys are case-sensitive, did you mean ServerURL?`,
        ],
      ],
    );
  });
});

// ---- --sysroot ------------------------------------------------------------------------------

describe('--sysroot', () => {
  test('both plists are read under it, and the default paths point under it', () => {
    const config = load({ sysroot: '/tmp/mac1' });
    assert.deepEqual(config.read, [`/tmp/mac1${PREFERENCES_PLIST}`, `/tmp/mac1${MANAGED_PREFERENCES_PLIST}`]);
    assert.equal(config.values.StateDir, '/tmp/mac1/Library/Application Support/tokenwatch');
    assert.equal(config.values.LogFile, '/tmp/mac1/Library/Logs/tokenwatch/agent.log');
    assert.equal(config.files.managed.path, `/tmp/mac1${MANAGED_PREFERENCES_PLIST}`);
    assert.match(renderConfig(config), /^sysroot: \/tmp\/mac1$/m);
  });

  test('a path in a plist describes the Mac: under the sysroot; problems name the file as read', () => {
    const config = load({
      sysroot: '/tmp/mac1',
      managed: plist({ LogFile: str('/var/log/tw.log'), SplaySeconds: str('x') }),
    });
    assert.equal(config.values.LogFile, '/tmp/mac1/var/log/tw.log');
    assert.equal(config.sources.LogFile, 'managed');
    assert.equal(config.problems[0]?.file, `/tmp/mac1${MANAGED_PREFERENCES_PLIST}`);
  });

  test('--state-dir and TOKENWATCH_LOG_FILE are taken as given; a relative flag resolves against cwd', () => {
    const config = load({
      sysroot: '/tmp/mac1',
      flags: { 'state-dir': '/tmp/state' },
      env: { TOKENWATCH_LOG_FILE: '/tmp/agent.log' },
    });
    assert.equal(config.values.StateDir, '/tmp/state');
    assert.equal(config.values.LogFile, '/tmp/agent.log');
    const relative = load({
      sysroot: '/tmp/mac1',
      flags: { 'state-dir': 'state' },
      cwd: '/home/dev/tokenwatch',
    });
    assert.equal(relative.values.StateDir, '/home/dev/tokenwatch/state');
    assert.deepEqual(relative.problems, []);
  });
});
