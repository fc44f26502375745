// The fleet reader's thread (fleet-reader.ts): its own read-only connection to the collector's database and
// the read model on it; each request answered in turn (summary or trend), until the parent posts 'stop'.
import { parentPort, workerData } from 'node:worker_threads';
import { openSqliteReadOnly } from './store/sqlite/read-only.ts';
import { createReadModel } from './services/read-model.ts';
import type { RuleConfig } from './rules/index.ts';
import type { FleetReadAnswer, FleetReadRequest } from './fleet-reader.ts';

const { path, rules } = workerData as { path: string; rules: RuleConfig };
const port = parentPort;
if (!port) throw new Error('fleet-reader-thread.ts runs as a worker thread');

const store = openSqliteReadOnly(path);
const readModel = createReadModel(store, rules);
let queue = Promise.resolve();

async function answer(m: FleetReadRequest): Promise<FleetReadAnswer> {
  try {
    const value =
      m.type === 'summary'
        ? await readModel.summary(new Date(m.now))
        : await readModel.trend({ from: new Date(m.from), to: new Date(m.to) }, new Date(m.now));
    return { id: m.id, ok: true, value };
  } catch (e) {
    return { id: m.id, ok: false, message: e instanceof Error ? e.message : String(e) };
  }
}

port.on('message', (m: FleetReadRequest | { type: 'stop' }) => {
  queue = queue.then(async () => {
    if (m.type === 'stop') {
      store.close();
      port.close();
      return;
    }
    port.postMessage(await answer(m));
  });
});
