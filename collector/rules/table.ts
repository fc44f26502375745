// THE rule table: one row per rule id, in the order of RULE_IDS.
import type { RuleDefinition, RuleId } from './types.ts';
import { bootstrapNotEscrowed } from './bootstrap-not-escrowed.ts';
import { bootstrapUnsupported } from './bootstrap-unsupported.ts';
import { bootstrapKeyMissing } from './bootstrap-key-missing.ts';
import { bootstrapUnusable } from './bootstrap-unusable.ts';
import { userWithoutSecureToken } from './user-without-securetoken.ts';
import { noSecureTokenHolder } from './no-securetoken-holder.ts';
import { noVolumeOwner } from './no-volume-owner.ts';
import { fileVaultOff } from './filevault-off.ts';
import { fileVaultNoRecoveryKey } from './filevault-no-recovery-key.ts';
import { mdmNotEnrolled } from './mdm-not-enrolled.ts';
import { mdmNotUserApproved } from './mdm-not-user-approved.ts';
import { stale } from './stale.ts';
import { noSecureTokenAdmin } from './no-securetoken-admin.ts';
import { fileVaultKeyNotEscrowable } from './filevault-key-not-escrowable.ts';
import { fileVaultKeyRecordOnDisk } from './filevault-key-record-on-disk.ts';
import { platformSsoNotRegistered } from './platform-sso-not-registered.ts';
import { collectionIncomplete } from './collection-incomplete.ts';

const CHECKS: readonly RuleDefinition[] = [
  bootstrapNotEscrowed,
  bootstrapUnsupported,
  bootstrapKeyMissing,
  bootstrapUnusable,
  userWithoutSecureToken,
  noSecureTokenHolder,
  noSecureTokenAdmin,
  noVolumeOwner,
  fileVaultOff,
  fileVaultNoRecoveryKey,
  fileVaultKeyNotEscrowable,
  fileVaultKeyRecordOnDisk,
  mdmNotEnrolled,
  mdmNotUserApproved,
  stale,
  platformSsoNotRegistered,
];

export const RULES: readonly RuleDefinition[] = Object.freeze([...CHECKS, collectionIncomplete(CHECKS)]);

const BY_ID = new Map<string, RuleDefinition>(RULES.map((r) => [r.id, r]));

export function ruleById(id: RuleId): RuleDefinition;
export function ruleById(id: string): RuleDefinition | undefined;
export function ruleById(id: string): RuleDefinition | undefined {
  return BY_ID.get(id);
}
