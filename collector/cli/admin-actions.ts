// The admin actions of the CLI, one interface with two ways in: on the database file (admin-local.ts: the
// services the admin API's routes call, in one unit of work each) or through the admin API of a running
// collector (admin-remote.ts: the routes themselves). Both answer the API's declared shapes
// (services/views.ts), so the commands (admin-commands.ts) print the same lines whichever way was taken.
import type { DeviceDetail, DevicePage, ExemptionAdded, ExemptionView } from '../services/views.ts';
import type { DeviceStatus, RuleId } from '../rules/index.ts';
import type { RetiredFilter } from '../store/types.ts';
import type { ExemptionRequest } from '../services/exemptions.ts';

export type { ExemptionRequest };

export interface DeviceQuery {
  status?: DeviceStatus;
  rule?: RuleId;
  retired?: RetiredFilter;
  cursor?: string;
  /** Page size, 1-1000. */
  limit: number;
}

export interface AdminActions {
  /** Where the actions go, for messages: the database file or the collector's URL. */
  readonly target: string;
  /** Through a collector's API (its token cache forgets a revoked token at once), or on the file (a running
   * collector's cache keeps a token it checked for up to a minute: http/auth.ts). */
  readonly remote: boolean;
  listDevices(q: DeviceQuery): Promise<DevicePage>;
  /** null: no device with that serial. */
  device(serial: string): Promise<DeviceDetail | null>;
  revoke(serial: string): Promise<DeviceDetail | null>;
  retire(serial: string, r: { by: string; reason: string }): Promise<DeviceDetail | null>;
  exemptions(serial?: string): Promise<ExemptionView[]>;
  addExemption(r: ExemptionRequest): Promise<ExemptionAdded>;
  /** null: no exemption with that id. */
  removeExemption(id: string): Promise<ExemptionView | null>;
  close(): Promise<void>;
}
