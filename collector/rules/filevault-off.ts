// filevault-off: FileVault is off, or being turned off.
import type { RuleDefinition } from './types.ts';
import { quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';
import { fileVaultState } from './filevault-state.ts';

const ID = 'filevault-off';

export const fileVaultOff: RuleDefinition = {
  id: ID,
  title: 'FileVault is off',
  severity: 'critical',
  informational: false,
  probes: ['fdesetup_status'],
  remediation:
    'Turn FileVault on: deploy an MDM FileVault payload (com.apple.MCX.FileVault2) with recovery key escrow ' +
    '(FDERecoveryKeyEscrow), so it is enabled at the next login of a SecureToken user, or run ' +
    '`sudo fdesetup enable` as a SecureToken user (System Settings > Privacy & Security > FileVault). ' +
    'Check with `fdesetup status`.',
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
        return [outcome(ID, 'fail', 'FileVault is off')];
      case 'unknown':
        return [outcome(ID, 'unknown', 'the FileVault state is unknown' + becauseOf(quoteErrors(errors)))];
    }
  },
};
