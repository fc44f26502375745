// The error vocabulary of the contract: one list of probe ids (the command table's), one list of kinds
// (documented in agent/snapshot/README.md, generated from the declaration), checked by the schema.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { COMMAND_TABLE } from '../../../agent/probes/index.ts';
import { FILE_TABLE } from '../../../agent/probes/files.ts';
import {
  COMMAND_PROBE_IDS,
  ERROR_KINDS,
  FILE_PROBE_IDS,
  PROBE_IDS,
  checkSnapshot,
  errorSubject,
  renderErrorKindTable,
} from '../../../agent/snapshot/index.ts';
import { compliantSnapshot } from '../../collector/rules/compliant-snapshot.ts';
import { markedBlock } from '../../helpers/marked-block.ts';

test("the contract's probe ids are the command table's, in its order, then the file table's", () => {
  assert.deepEqual(
    COMMAND_TABLE.map((p) => p.id),
    [...COMMAND_PROBE_IDS],
  );
  assert.deepEqual(
    FILE_TABLE.map((f) => f.id),
    [...FILE_PROBE_IDS],
  );
  assert.deepEqual([...PROBE_IDS], [...COMMAND_PROBE_IDS, ...FILE_PROBE_IDS]);
  assert.equal(new Set(PROBE_IDS).size, PROBE_IDS.length, 'no id twice');
});

test('agent/snapshot/README.md lists every error kind as ERROR_KINDS declares it', () => {
  assert.equal(markedBlock('agent/snapshot/README.md', 'error-kinds'), renderErrorKindTable());
  assert.ok(Object.keys(ERROR_KINDS).length >= 8);
});

test('the schema takes the declared probes and kinds, and refuses others with the path', () => {
  const s = compliantSnapshot();
  s.errors = [
    { probe: 'sysadminctl', kind: 'timeout', user: 'alice', message: 'timed out after 10000 ms' },
    {
      probe: 'fdesetup_prk',
      kind: 'unrecognised_output',
      unrelated: true,
      message: 'stderr line 1 unrecognised: objc[1]: ...',
    },
    { probe: 'collection', kind: 'over_limit', message: '3 more errors not reported (limit 500)' },
  ];
  assert.deepEqual(checkSnapshot(s), []);
  const bad = (error: Record<string, unknown>) => {
    const b = compliantSnapshot() as unknown as { errors: unknown[] };
    b.errors = [error];
    return checkSnapshot(b).map((p) => p.path);
  };
  assert.ok(bad({ probe: 'hardware', kind: 'exit', message: 'x' }).includes('/errors/0/probe'));
  assert.ok(bad({ probe: 'sw_vers', kind: 'broken', message: 'x' }).includes('/errors/0/kind'));
  assert.ok(
    bad({ probe: 'sw_vers', kind: 'exit', message: 'x', unrelated: false }).includes('/errors/0/unrelated'),
  );
  assert.ok(bad({ source: 'sw_vers', message: 'x' }).length > 0, 'the old shape is refused');
});

test('who an error is about, for people', () => {
  assert.equal(errorSubject({ probe: 'sw_vers' }), 'sw_vers');
  assert.equal(errorSubject({ probe: 'sysadminctl', user: 'alice' }), 'sysadminctl (user alice)');
  assert.equal(errorSubject({ probe: 'fdesetup_prk', unrelated: true }), 'fdesetup_prk (unrelated)');
});
