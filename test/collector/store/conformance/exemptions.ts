// Exemptions: the one Exemption type, kept as given (epoch millis), listed newest first, applicable ones
// unexpired at an instant.
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from './backend.ts';
import { withStore } from './backend.ts';
import type { Exemption } from '../../../../collector/store/types.ts';

const e = (id: string, over: Partial<Exemption> = {}): Exemption => ({
  id,
  serial: 'C02A',
  rule: 'filevault-off',
  user: null,
  reason: `reason ${id}`,
  createdBy: 'jdoe',
  createdAt: 1_000,
  expiresAt: null,
  ...over,
});

export function exemptionsConformance(backend: Backend): void {
  describe(`${backend.name} exemptions`, () => {
    test('add, get and remove return the exemption as added; a missing id is null', async () => {
      await withStore(backend, async (store) => {
        const x = e('x1', { user: 'bob', rule: null, expiresAt: 9_000 });
        await store.exemptions.add(x);
        assert.deepEqual(await store.exemptions.get('x1'), x);
        assert.deepEqual(await store.exemptions.remove('x1'), x);
        assert.equal(await store.exemptions.get('x1'), null);
        assert.equal(await store.exemptions.remove('x1'), null);
        await assert.rejects(
          (async () => {
            await store.exemptions.add(e('dup'));
            await store.exemptions.add(e('dup'));
          })(),
          'an id is added once',
        );
      });
    });

    test("list: newest first; for a serial, the device's own and the fleet-wide ones", async () => {
      await withStore(backend, async (store) => {
        await store.exemptions.add(e('a', { createdAt: 1_000 }));
        await store.exemptions.add(e('b', { createdAt: 3_000, serial: null }));
        await store.exemptions.add(e('c', { createdAt: 2_000, serial: 'C02B' }));
        assert.deepEqual(
          (await store.exemptions.list()).map((x) => x.id),
          ['b', 'c', 'a'],
        );
        assert.deepEqual(
          (await store.exemptions.list('C02A')).map((x) => x.id),
          ['b', 'a'],
        );
        assert.deepEqual(
          (await store.exemptions.list('C02Z')).map((x) => x.id),
          ['b'],
        );
      });
    });

    test('applicable: the unexpired ones of the device and the fleet at an instant (expired at its expiry)', async () => {
      await withStore(backend, async (store) => {
        await store.exemptions.add(e('never'));
        await store.exemptions.add(e('until-5000', { expiresAt: 5_000 }));
        await store.exemptions.add(e('fleet', { serial: null, expiresAt: 6_000 }));
        await store.exemptions.add(e('other', { serial: 'C02B' }));
        const at = async (now: number) =>
          (await store.exemptions.applicable('C02A', now)).map((x) => x.id).sort();
        assert.deepEqual(await at(4_999), ['fleet', 'never', 'until-5000']);
        assert.deepEqual(await at(5_000), ['fleet', 'never']);
        assert.deepEqual(await at(6_000), ['never']);
      });
    });
  });
}
