// The admin actions on the database file (tokenwatch ... --db FILE): the same services the admin API's
// routes call, each write and the page that answers it in one unit of work, with the collector's rule
// settings (stale age, grace windows) from the same configuration.
import type { Store } from '../store/types.ts';
import type { RuleConfig } from '../rules/index.ts';
import type { Clock } from '../clock.ts';
import { createReadModel, exemptionView } from '../services/read-model.ts';
import { retireAndShow, revokeAndShow } from '../services/device-actions.ts';
import { removeExemption, requestExemption } from '../services/exemptions.ts';
import type { AdminActions } from './admin-actions.ts';

/** Who the database's audit names for an action typed on the server itself. */
export const LOCAL_ACTOR = 'tokenwatch CLI';

export function localAdmin(store: Store, rules: RuleConfig, clock: Clock, target: string): AdminActions {
  const read = createReadModel(store, rules);
  return {
    target,
    remote: false,
    listDevices: (q) =>
      read.listDevices(
        {
          ...(q.status ? { status: q.status } : {}),
          ...(q.rule ? { rule: q.rule } : {}),
          ...(q.retired ? { retired: q.retired } : {}),
        },
        { ...(q.cursor ? { cursor: q.cursor } : {}), limit: q.limit },
        clock.now(),
      ),
    device: (serial) => read.device(serial, clock.now()),
    async revoke(serial) {
      const now = clock.now();
      const r = await store.withTransaction((tx) => revokeAndShow(tx, rules, serial, LOCAL_ACTOR, now));
      return r?.detail ?? null;
    },
    async retire(serial, request) {
      const now = clock.now();
      const r = await store.withTransaction((tx) => retireAndShow(tx, rules, serial, request, now));
      return r?.detail ?? null;
    },
    exemptions: (serial) => read.exemptions(clock.now(), serial),
    async addExemption(request) {
      const now = clock.now();
      return (await store.withTransaction((tx) => requestExemption(tx, request, now, rules))).view;
    },
    async removeExemption(id) {
      const now = clock.now();
      const e = await store.withTransaction((tx) => removeExemption(tx, id, now, rules));
      return e === null ? null : exemptionView(e, now);
    },
    close: () => store.close(),
  };
}
