// A realistic compliant Apple silicon Mac as the agent reports it (tokenwatch.snapshot/1), for rule tests.
// Identifiers follow the shared samples: the MDM Bootstrap Token External Key and Personal Recovery User
// UUIDs are the fixed ones macOS uses; user GUIDs are local GeneratedUIDs.
import type {
  CryptoUser,
  CryptoUserKind,
  FileVaultState,
  Snapshot,
  User,
} from '../../../agent/snapshot/index.ts';
import type { DeviceState, RuleConfig, RuleDefinition, RuleOutcome } from '../../../collector/rules/index.ts';

export const NOW = new Date('2026-03-02T12:00:00.000Z');
export const CONFIG: RuleConfig = { staleAfterSeconds: 7 * 86400, graceSeconds: {} };

export const ALICE_GUID = '5A2B7C10-3E4F-4A6B-9C8D-1E2F3A4B5C6D';
export const PERSONAL_RECOVERY_UUID = 'EBC6C064-0000-11AA-AA11-00306543ECAC';
export const BOOTSTRAP_KEY_UUID = '2457711A-523C-4604-B75A-F48A571D5036';
export const BOB_GUID = '7D3E9F21-4A5B-4C6D-8E9F-0A1B2C3D4E5F';

export function user(name: string, guid: string, overrides: Partial<User> = {}): User {
  return {
    name,
    uid: 501,
    guid,
    admin: false,
    mobile: false,
    disabled: false,
    secureToken: true,
    fileVault: true,
    volumeOwner: true,
    ...overrides,
  };
}

// The contract's static types of fileVault.state and cryptoUsers[].kind come out as `never` (TypeBox unions
// built with .map); these two keep the values typed by the contract's own lists until that is fixed.
export function fv(state: FileVaultState): Snapshot['fileVault']['state'] {
  return state as Snapshot['fileVault']['state'];
}
export function crypto(
  uuid: string,
  type: string,
  kind: CryptoUserKind,
  volumeOwner: boolean | null,
): CryptoUser {
  return { uuid, type, kind: kind as CryptoUser['kind'], volumeOwner };
}

export function compliantSnapshot(): Snapshot {
  return {
    schema: 'tokenwatch.snapshot/1',
    id: '0b6f2f3e-8a1c-4d5e-9f60-7a8b9c0d1e2f',
    collectedAt: '2026-03-02T11:55:00.000Z',
    agent: { version: '0.1.0' },
    device: {
      serial: 'C02XK1ABJGH5',
      hardwareUuid: '8F1E3A2B-4C5D-5E6F-9A0B-1C2D3E4F5A6B',
      model: 'Mac14,2',
      appleSilicon: true,
      osVersion: '15.3.1',
      osBuild: '24D70',
      hostname: 'alice-mba',
    },
    mdm: { enrolled: true, userApproved: true, dep: true, server: 'https://mdm.example.com/mdm/server' },
    bootstrapToken: {
      supportedOnServer: true,
      escrowed: true,
      allowed: true,
      eacsPreflight: 'success',
      checkedAt: '2026-03-02T06:00:00.000Z',
    },
    fileVault: { state: fv('on'), personalRecoveryKey: true, institutionalRecoveryKey: false },
    cryptoUsers: [
      crypto(ALICE_GUID, 'Local Open Directory User', 'local_user', true),
      crypto(BOB_GUID, 'Local Open Directory User', 'local_user', true),
      crypto(PERSONAL_RECOVERY_UUID, 'Personal Recovery User', 'personal_recovery_user', false),
      crypto(BOOTSTRAP_KEY_UUID, 'MDM Bootstrap Token External Key', 'mdm_bootstrap_token', false),
    ],
    users: [user('alice', ALICE_GUID, { admin: true }), user('bob', BOB_GUID, { uid: 502 })],
    consoleUser: 'alice',
    notApplicable: [],
    errors: [],
  };
}

/** A device state around a snapshot; `edit` changes a fresh compliant snapshot in place. */
export function deviceState(
  edit: (s: Snapshot) => void = () => {},
  lastSeen = '2026-03-02T11:55:00.000Z',
): DeviceState {
  const snapshot = compliantSnapshot();
  edit(snapshot);
  return { snapshot, lastSeen };
}

/** One rule's outcomes for a compliant snapshot changed by `edit`, as [result, user, reason] rows. */
export function outcomesOf(
  rule: RuleDefinition,
  edit: (s: Snapshot) => void = () => {},
  lastSeen?: string,
  now: Date = NOW,
  config: RuleConfig = CONFIG,
): Array<[RuleOutcome['result'], string | null, string]> {
  return rule.evaluate(deviceState(edit, lastSeen), now, config).map((o) => {
    if (o.rule !== rule.id) throw new Error(`${rule.id} answered for ${o.rule}`);
    return [o.result, o.user, o.reason];
  });
}

/** The user of that name in a snapshot (throws when absent, so a test cannot edit nothing). */
export function userNamed(s: Snapshot, name: string): User {
  const found = s.users.find((u) => u.name === name);
  if (!found) throw new Error(`no user ${name}`);
  return found;
}
