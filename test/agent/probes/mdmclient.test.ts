import { test } from 'node:test';
import assert from 'node:assert/strict';
import { parseDeviceInformation } from '../../../agent/probes/mdmclient.ts';
import { lookup, parseValue } from '../../../agent/probes/old-style-plist.ts';
import type { Reader } from '../../../agent/probes/old-style-plist.ts';
import { E, assertCoversFolder, out, sample, sampleText } from './samples.ts';

const F = 'mdmclient';

test('mdmclient: every real sample is tested', () => {
  assertCoversFolder(F, [
    'QueryDeviceInformation-10.14.6-intel-MacBookPro14,3.txt',
    'QueryDeviceInformation-13.3.1a-applesilicon-nullagent.txt',
    'QueryDeviceInformation-13.3.1a-applesilicon-withheader.txt',
    'QuerySecurityInfo-intel-dep-nobootstrapkeys.txt',
    'QuerySecurityInfo-monterey-12.1-bootstraptoken-allowed-not-supported-PARTIAL.txt',
  ]);
});

for (const file of [
  'QueryDeviceInformation-13.3.1a-applesilicon-withheader.txt',
  'QueryDeviceInformation-13.3.1a-applesilicon-nullagent.txt',
]) {
  test(`mdmclient: real ${file}: BootstrapTokenAllowed = 1, EACSPreflight = success (TAB indent, CPF header, NSData push token)`, () => {
    assert.deepEqual(parseDeviceInformation(sample(F, file)), {
      value: {
        bootstrapTokenAllowed: true,
        allowedReported: true,
        eacsPreflight: 'success',
        eacsReported: true,
      },
      errors: [],
    });
  });
}

test('mdmclient: real 10.14.6 Intel (4-space indent, <hex> push token, 1685 lines): neither key -> not reported, no error', () => {
  assert.deepEqual(
    parseDeviceInformation(sample(F, 'QueryDeviceInformation-10.14.6-intel-MacBookPro14,3.txt')),
    {
      value: {
        bootstrapTokenAllowed: null,
        allowedReported: false,
        eacsPreflight: null,
        eacsReported: false,
      },
      errors: [],
    },
  );
});

test('mdmclient: real QuerySecurityInfo output (another verb) parses; it has no QueryResponses -> error', () => {
  const text = sampleText(F, 'QuerySecurityInfo-intel-dep-nobootstrapkeys.txt');
  const r: Reader = { text: text.slice(text.indexOf('{')), pos: 0, line: 1 };
  const v = parseValue(r);
  assert.equal(lookup(v, 'SecurityInfo', 'ManagementStatus', 'EnrolledViaDEP'), '1');
  assert.equal(lookup(v, 'SecurityInfo', 'FDE_HasPersonalRecoveryKey'), '1');
  assert.deepEqual(parseDeviceInformation(sample(F, 'QuerySecurityInfo-intel-dep-nobootstrapkeys.txt')), {
    value: null,
    errors: [E.missing('Daemon response has no QueryResponses dictionary')],
  });
});

test('mdmclient: real PARTIAL QuerySecurityInfo with the author\'s "[...]" is a syntax error with its line', () => {
  assert.deepEqual(
    parseDeviceInformation(
      sample(F, 'QuerySecurityInfo-monterey-12.1-bootstraptoken-allowed-not-supported-PARTIAL.txt'),
    ),
    {
      value: null,
      errors: [
        E.unrecognised('Daemon response: line 9: expected a key or }, found a word'),
        E.missing('no Daemon response'),
      ],
    },
  );
});

const device = (inner: string) =>
  `Daemon response: {\n    QueryResponses =     {\n${inner}    };\n}\nAgent response: (null)\n`;

test('mdmclient: SYNTHETIC EACSPreflight other than success (Apple-documented value) and BootstrapTokenAllowed = 0', () => {
  const r = parseDeviceInformation(
    out(
      device(
        '        EACSPreflight = "System is not sealed";\n        MDMOptions =         {\n            BootstrapTokenAllowed = 0;\n        };\n',
      ),
    ),
  );
  assert.deepEqual(r, {
    value: {
      bootstrapTokenAllowed: false,
      allowedReported: true,
      eacsPreflight: 'System is not sealed',
      eacsReported: true,
    },
    errors: [],
  });
});

test('mdmclient: malformed: missing semicolon, unterminated string, garbage header, (null) daemon', () => {
  assert.deepEqual(
    parseDeviceInformation(out(device('        EACSPreflight = success\n        Other = 1;\n'))).errors,
    [
      E.unrecognised("Daemon response: line 4: expected ';' after the value of EACSPreflight, found a word"),
      E.missing('no Daemon response'),
    ],
  );
  assert.match(
    parseDeviceInformation(out(device('        Name = "unterminated;\n'))).errors[0]?.message ?? '',
    /line 3: unterminated quoted string/,
  );
  const g = parseDeviceInformation(out(`hello world\n${device('        EACSPreflight = success;\n')}`));
  assert.deepEqual(g.errors, [E.unrecognised('stdout line 1 unrecognised: hello world')]);
  assert.equal(g.value?.eacsPreflight, 'success');
  assert.deepEqual(parseDeviceInformation(out('Daemon response: (null)\n')), {
    value: null,
    errors: [E.missing('Daemon response: (null)')],
  });
  assert.deepEqual(parseDeviceInformation(out('', 'mdmclient: not root\n', 1)), {
    value: null,
    errors: [
      E.unrecognised('stderr line 1 unrecognised: mdmclient: not root'),
      E.exit('exit code 1'),
      E.missing('no Daemon response'),
    ],
  });
});

test('mdmclient: BootstrapTokenAllowed that is not 0/1 is an error (never read as no)', () => {
  const r = parseDeviceInformation(out(device('        MDMOptions = { BootstrapTokenAllowed = maybe; };\n')));
  assert.equal(r.value?.bootstrapTokenAllowed, null);
  assert.deepEqual(r.errors, [E.unrecognised('MDMOptions.BootstrapTokenAllowed is neither 0 nor 1')]);
});
