// kill -9 of the collector under load, 20 times: a real `tokenwatch serve` child process on a real SQLite
// file, in-test clients uploading snapshots (changes and unchanged ones) as fast as it answers, the process
// killed with SIGKILL at a random moment and started again on the same file. Every upload that got a 2xx
// answer is present afterwards (its receipt, and its history entry when it was a change), and
// PRAGMA integrity_check says ok after every kill.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { startServeProcess } from '../helpers/serve-process.ts';
import type { ServeProcess } from '../helpers/serve-process.ts';
import Database from 'better-sqlite3';
import { snapshotFor } from '../helpers/collector.ts';

const ROUNDS = 20;
const DEVICES = 8;
const ADMIN = 'admin-token-for-the-kill-test-0123456789abcdef';
const SECRET = 'enroll-secret-for-the-kill-test';

type Served = ServeProcess;

function serve(db: string): Promise<Served> {
  return startServeProcess(db, { TOKENWATCH_ADMIN_TOKEN: ADMIN, TOKENWATCH_ENROLL_SECRET: SECRET });
}

interface Acked {
  id: string;
  changed: boolean;
}

test(`kill -9 of the collector under load, ${ROUNDS} times: every 2xx upload is present, integrity_check ok`, async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'tokenwatch-kill-'));
  const db = join(dir, 'collector.db');
  const acked: Acked[] = [];
  let refusedOrLost = 0;
  const delays: number[] = [];
  let served: Served | null = null;
  try {
    // The devices enroll once; their tokens live in the database across every kill.
    served = await serve(db);
    const devices: { serial: string; hardwareUuid: string; token: string; n: number }[] = [];
    for (let i = 0; i < DEVICES; i++) {
      const serial = `C02KILL${String(i).padStart(4, '0')}`;
      const hardwareUuid = randomUUID().toUpperCase();
      const r = await fetch(`${served.url}/api/v1/enroll`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ enrollSecret: SECRET, serial, hardwareUuid }),
      });
      assert.equal(r.status, 200);
      devices.push({
        serial,
        hardwareUuid,
        token: ((await r.json()) as { deviceToken: string }).deviceToken,
        n: 0,
      });
    }

    for (let round = 1; round <= ROUNDS; round++) {
      const current: Served = round === 1 && served ? served : await serve(db);
      served = current;
      const { url, child, exited } = current;
      let running = true;
      const client = async (d: (typeof devices)[number]) => {
        while (running) {
          d.n++;
          // Every fourth upload repeats the state before it (unchanged); the others change a user's uid.
          const state = d.n % 4 === 0 ? d.n - 1 : d.n;
          const s = snapshotFor(d.serial, d.hardwareUuid, (x) => {
            (x.users[0] as { uid: number }).uid = 1000 + state;
          });
          try {
            const r = await fetch(`${url}/api/v1/snapshots`, {
              method: 'POST',
              headers: { 'content-type': 'application/json', authorization: `Bearer ${d.token}` },
              body: JSON.stringify(s),
            });
            const text = await r.text();
            if (r.status >= 200 && r.status < 300) {
              const body = JSON.parse(text) as { id: string; changed: boolean };
              acked.push({ id: body.id, changed: body.changed });
            } else refusedOrLost++;
          } catch {
            refusedOrLost++;
            return; // the collector is gone
          }
        }
      };
      const clients = devices.map(client);
      const delay = 300 + Math.floor(Math.random() * 900);
      delays.push(delay);
      await new Promise((r) => setTimeout(r, delay));
      child.kill('SIGKILL');
      assert.equal(await exited, 'SIGKILL');
      running = false;
      await Promise.all(clients);

      // The file as the killed process left it: intact, and holding every acknowledged upload.
      const check = new Database(db);
      try {
        assert.equal(check.pragma('integrity_check', { simple: true }), 'ok', `round ${round}`);
        const receipt = check.prepare('SELECT 1 FROM snapshot_receipts WHERE snapshot_id = ?');
        const history = check.prepare('SELECT 1 FROM snapshot_history WHERE snapshot_id = ?');
        const missing = acked.filter((a) => !receipt.get(a.id) || (a.changed && !history.get(a.id)));
        assert.deepEqual(
          missing.slice(0, 5),
          [],
          `round ${round}: ${missing.length} acknowledged uploads missing`,
        );
      } finally {
        check.close();
      }
    }
    const changed = acked.filter((a) => a.changed).length;
    t.diagnostic(
      `${ROUNDS} rounds of kill -9 under load (${DEVICES} clients): ${acked.length} acknowledged uploads (${changed} changes, ${acked.length - changed} unchanged), all present after every kill; integrity_check ok ${ROUNDS}/${ROUNDS}`,
    );
    t.diagnostic(
      `killed after ${Math.min(...delays)}-${Math.max(...delays)} ms of load; ${refusedOrLost} uploads cut off by the kill (never acknowledged)`,
    );
    assert.ok(acked.length > ROUNDS * DEVICES, `${acked.length} acknowledged`);

    // And the collector starts again on that file and serves it.
    served = await serve(db);
    const health = await fetch(`${served.url}/healthz`);
    assert.deepEqual(await health.json(), {
      status: 'ok',
      devices: DEVICES,
      database: { backend: 'sqlite', state: 'ready', detail: null },
    });
    for (const d of devices) {
      const r = await fetch(`${served.url}/api/v1/devices/${d.serial}`, {
        headers: { authorization: `Bearer ${ADMIN}` },
      });
      assert.equal(r.status, 200);
    }
    served.child.kill('SIGTERM');
    assert.equal(await served.exited, 0);
  } finally {
    if (served && served.child.exitCode === null && served.child.signalCode === null)
      served.child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  }
});
