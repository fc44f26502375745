// The reports' client reads every page from a real collector, and checks each answer against the API's
// declaration instead of casting it: a server that answers something else is a clear error naming the path.
import { test, before, after } from 'node:test';
import assert from 'node:assert/strict';
import { createServer } from 'node:http';
import type { Server } from 'node:http';
import { fetchFleet, ApiReadError } from '../../reports/source.ts';
import { ADMIN_TOKEN, startTestCollector, snapshotFor } from '../helpers/collector.ts';
import type { TestCollector } from '../helpers/collector.ts';

let c: TestCollector;
before(async () => {
  c = await startTestCollector();
});
after(() => c.stop());

/** A server that answers every request with `status` and `body` (JSON text), on a free loopback port. */
async function answering(status: number, body: string): Promise<{ url: string; server: Server }> {
  const server = createServer((_req, res) => {
    res.writeHead(status, { 'content-type': 'application/json' });
    res.end(body);
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return { url: `http://127.0.0.1:${(server.address() as { port: number }).port}`, server };
}

test('every device, across pages, as the collector answers it', async () => {
  const macs = [await c.device(), await c.device(), await c.device()];
  for (const m of macs)
    assert.equal((await c.upload(m.token, snapshotFor(m.serial, m.hardwareUuid))).status, 200);
  const rows = await fetchFleet(c.url, ADMIN_TOKEN, 2);
  assert.deepEqual(
    rows.map((r) => r.serial),
    macs.map((m) => m.serial).sort(),
  );
  assert.ok(rows.every((r) => r.status === 'compliant' && r.findings.length === 0));
});

test('an answer of another shape is refused, naming the path of the first field that does not fit', async () => {
  const page = (await c.admin('/api/v1/devices?limit=1')).json;
  assert.ok(page.devices.length === 1);
  const cases: [string, unknown, RegExp][] = [
    [
      'a status no collector says',
      { ...page, devices: [{ ...page.devices[0], status: 'green' }] },
      /\/devices\/0\/status /,
    ],
    [
      'a missing field',
      { ...page, devices: [{ ...page.devices[0], lastSeen: undefined }] },
      /\/devices\/0 .*lastSeen/,
    ],
    ['no device list', { items: [] }, /not a device page: \/ /],
    [
      'a finding of another shape',
      { ...page, devices: [{ ...page.devices[0], findings: [{ rule: 'filevault-off' }] }] },
      /\/devices\/0\/findings\/0 /,
    ],
  ];
  for (const [what, body, path] of cases) {
    const s = await answering(200, JSON.stringify(body));
    try {
      await assert.rejects(fetchFleet(s.url, ADMIN_TOKEN), (e: unknown) => {
        assert.ok(e instanceof ApiReadError, String(e));
        assert.match(
          e.message,
          /^GET \/api\/v1\/devices answered 200 with a body that is not a device page: /,
        );
        assert.match(e.message, path, what);
        return true;
      });
    } finally {
      s.server.close();
    }
  }
});

test("a refusal is reported with the collector's code and message; anything else says so", async () => {
  await assert.rejects(fetchFleet(c.url, 'not-the-admin-token-0123456789abcdef'), {
    name: 'ApiReadError',
    message: 'GET /api/v1/devices answered 401: unauthorized: the admin token is not valid',
  });
  for (const [status, body, message] of [
    [502, '<html>bad gateway</html>', 'GET /api/v1/devices answered 502: a body that is no error of its API'],
    [200, 'not json', 'GET /api/v1/devices answered 200 with a body that is not JSON'],
  ] as const) {
    const s = await answering(status, body);
    try {
      await assert.rejects(fetchFleet(s.url, ADMIN_TOKEN), { name: 'ApiReadError', message });
    } finally {
      s.server.close();
    }
  }
});
