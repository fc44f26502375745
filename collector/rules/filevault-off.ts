// filevault-off: FileVault is off, or being turned off.
import type { RuleDefinition } from './types.ts';
import { quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';
import { fileVaultState } from './filevault-state.ts';
import type { Snapshot } from '../../agent/snapshot/index.ts';
import { nameList } from './outcome.ts';

const ID = 'filevault-off';

export const fileVaultOff: RuleDefinition = {
  id: ID,
  title: 'FileVault is off',
  severity: 'critical',
  informational: false,
  probes: ['fdesetup_status', 'fdesetup_deferral'],
  remediation:
    'Turn FileVault on: deploy an MDM FileVault payload (com.apple.MCX.FileVault2) with recovery key escrow ' +
    '(FDERecoveryKeyEscrow), so it is enabled at the next login of a SecureToken user, or run ' +
    '`sudo fdesetup enable` as a SecureToken user (System Settings > Privacy & Security > FileVault). ' +
    'Check with `fdesetup status`. A deferral is acted on only when the user logs out; if it has been pending ' +
    'for days, ask the user to log out, or set ForceAtLogin 0 / `-forceatlogin 0`.',
  evaluate({ snapshot }) {
    const { state, errors } = fileVaultState(snapshot);
    switch (state) {
      case 'on':
        return [outcome(ID, 'pass', 'FileVault is on')];
      case 'encrypting':
        // Protection is being turned on and needs only time: not a failure.
        return [outcome(ID, 'pass', 'FileVault is on, encryption in progress')];
      case 'decrypting':
        // Being turned off: the disk ends up unprotected unless someone intervenes.
        return [outcome(ID, 'fail', 'FileVault is being turned off (decryption in progress)')];
      case 'off':
        return [outcome(ID, 'fail', 'FileVault is off' + deferralNote(snapshot))];
      case 'unknown':
        return [outcome(ID, 'unknown', 'the FileVault state is unknown' + becauseOf(quoteErrors(errors)))];
    }
  },
};

/** What the deferral settings say will turn FileVault on ("" when the agent did not read them). */
function deferralNote(snapshot: Snapshot): string {
  const d = snapshot.fileVault.deferral;
  if (d === undefined || d === null) return '';
  if (!d.deferred) return ', and no deferred enablement is set: nothing will turn it on at a logout';
  const who = d.users === null || d.users.length === 0 ? 'any user' : nameList(d.users);
  return `; enablement deferred to the next logout of ${who}${d.fromProfile ? ' (set by a profile)' : ''}`;
}
