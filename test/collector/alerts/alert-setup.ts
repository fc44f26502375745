// What the alert tests share: a collector with one generic webhook channel pointed at a real receiver,
// snapshots that fail the Bootstrap Token escrow rule or pass it, a Standard Webhooks secret, and the
// events the receiver got, verified with the standardwebhooks package as a receiver would.
import { randomBytes, randomUUID } from 'node:crypto';
import assert from 'node:assert/strict';
import { Webhook } from 'standardwebhooks';
import { newIdentity, snapshotFor, startTestCollector } from '../../helpers/collector.ts';
import type { TestCollector, TestCollectorOptions } from '../../helpers/collector.ts';
import { startReceiver } from '../../helpers/receiver.ts';
import type { Behaviour, Receiver, Received } from '../../helpers/receiver.ts';
import type { Snapshot } from '../../../agent/snapshot/index.ts';

export const newSecret = (): string => `whsec_${randomBytes(32).toString('base64')}`;
export const PUBLIC_URL = 'https://tokenwatch.example.com';

export interface AlertRig {
  c: TestCollector;
  receiver: Receiver;
  secret: string;
  stop(): Promise<void>;
}

/**
 * A collector whose clock reads the real time (receivers check the webhook timestamp against theirs) with
 * the TOKENWATCH_WEBHOOK_URL channel on a fresh receiver; jobs run by hand.
 */
export async function alertRig(
  settings: Record<string, string> = {},
  o: TestCollectorOptions & { behave?: Behaviour } = {},
): Promise<AlertRig> {
  const receiver = await startReceiver(o.behave);
  const secret = settings['webhookSecret']?.split(' ')[0] ?? newSecret();
  const c = await startTestCollector(
    { webhookUrl: receiver.url, webhookSecret: secret, publicUrl: PUBLIC_URL, ...settings },
    { jobs: false, ...o },
  );
  c.clock.set(new Date(Math.floor(Date.now() / 1000) * 1000));
  return {
    c,
    receiver,
    secret,
    async stop() {
      await c.stop();
      await receiver.close();
    },
  };
}

/** A snapshot of this Mac at the collector's time; escrowed false fails bootstrap-not-escrowed. */
export function snapshotAt(
  c: TestCollector,
  id: { serial: string; hardwareUuid: string },
  escrowed: boolean,
  patch: (s: Snapshot) => void = () => {},
): Snapshot {
  return snapshotFor(id.serial, id.hardwareUuid, (s) => {
    s.id = randomUUID();
    s.collectedAt = c.clock.now().toISOString();
    s.bootstrapToken.escrowed = escrowed;
    patch(s);
  });
}

/** Enroll a Mac and upload its first snapshot. */
export async function macWith(c: TestCollector, escrowed: boolean) {
  const id = newIdentity();
  const d = await c.device(id.serial, id.hardwareUuid);
  await upload(c, d, escrowed);
  return d;
}

export async function upload(
  c: TestCollector,
  d: { serial: string; hardwareUuid: string; token: string },
  escrowed: boolean,
  patch?: (s: Snapshot) => void,
) {
  const r = await c.upload(d.token, snapshotAt(c, d, escrowed, patch));
  assert.equal(r.status, 200, r.text);
  return r;
}

/** Every request verified with the standardwebhooks package (throws on a bad signature or timestamp), parsed. */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function verified(secret: string, received: readonly Received[]): any[] {
  const wh = new Webhook(secret);
  return received.map((r) => wh.verify(r.body, r.headers));
}

/**
 * For a test that moved the collector's clock (the webhook-timestamp is the collector's time, which the
 * package's verify compares with the real one): each request's signature as the package computes it for
 * the id, timestamp and body received must be one of those sent; then the body, parsed.
 */
// eslint-disable-next-line @typescript-eslint/no-explicit-any
export function signedWith(secret: string, received: readonly Received[]): any[] {
  const wh = new Webhook(secret);
  return received.map((r) => {
    const id = r.headers['webhook-id'] ?? '';
    const ts = Number(r.headers['webhook-timestamp']);
    assert.ok(Number.isInteger(ts), 'webhook-timestamp is whole seconds');
    const expected = wh.sign(id, new Date(ts * 1000), r.body);
    assert.ok(
      (r.headers['webhook-signature'] ?? '').split(' ').includes(expected),
      `${id}: no signature matches the one standardwebhooks computes`,
    );
    return JSON.parse(r.body);
  });
}

/** Let the worker deliver everything it can now. */
export const delivered = (c: TestCollector): Promise<void> => c.alerts.worker.idle();
