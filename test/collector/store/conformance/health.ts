// Health: an open store says it can take work, and which database it is (for /healthz and /readyz).
import { describe, test } from 'node:test';
import assert from 'node:assert/strict';
import type { Backend } from './backend.ts';
import { withStore } from './backend.ts';

export function healthConformance(backend: Backend): void {
  describe(`${backend.name} health`, () => {
    test('an open, migrated store is ready and names its backend', async () => {
      await withStore(backend, async (store) => {
        const h = await store.health();
        assert.equal(h.state, 'ready');
        assert.equal(h.detail, null);
        assert.match(h.backend, /^[a-z]+$/);
        // Still ready after work.
        await store.fleet.deviceCount();
        assert.equal((await store.health()).state, 'ready');
      });
    });
  });
}
