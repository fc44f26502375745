import { test } from 'node:test';
import assert from 'node:assert/strict';
import { splayDelayMs } from '../../agent/splay.ts';

test('only a scheduled run (started with --splay) waits, a random part of SplaySeconds', () => {
  assert.equal(
    splayDelayMs(false, 86400, () => 0.5),
    0,
    'typed by hand: never',
  );
  assert.equal(
    splayDelayMs(true, 0, () => 0.5),
    0,
  );
  assert.equal(
    splayDelayMs(true, 300, () => 0.5),
    150_000,
  );
  assert.equal(
    splayDelayMs(true, 300, () => 0),
    0,
  );
  assert.ok(splayDelayMs(true, 300, () => 0.999999) < 300_000);
});
