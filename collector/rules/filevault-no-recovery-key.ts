// filevault-no-recovery-key: FileVault on (or encrypting) with neither a personal nor an institutional
// recovery key, so a forgotten password loses the data.
import type { RuleDefinition } from './types.ts';
import { errorsOf, quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';
import { fileVaultState } from './filevault-state.ts';

const ID = 'filevault-no-recovery-key';

export const fileVaultNoRecoveryKey: RuleDefinition = {
  id: ID,
  title: 'FileVault has no recovery key',
  severity: 'high',
  informational: false,
  probes: ['fdesetup_status', 'fdesetup_prk', 'fdesetup_irk'],
  remediation:
    'Create a personal recovery key and escrow it to MDM: deploy a FileVault recovery key escrow payload ' +
    '(com.apple.security.FDERecoveryKeyEscrow), then rotate the key with `sudo fdesetup changerecovery -personal` ' +
    '(or have the MDM rotate it). Check with `sudo fdesetup haspersonalrecoverykey`.',
  evaluate({ snapshot }) {
    const { state, errors: stateErrors } = fileVaultState(snapshot);
    if (state === 'off' || state === 'decrypting') {
      return [
        outcome(
          ID,
          'not_applicable',
          `FileVault is ${state === 'off' ? 'off' : 'being turned off'} (see filevault-off)`,
        ),
      ];
    }
    if (state === 'unknown') {
      return [outcome(ID, 'unknown', 'the FileVault state is unknown' + becauseOf(quoteErrors(stateErrors)))];
    }
    const personal = snapshot.fileVault.personalRecoveryKey;
    const institutional = snapshot.fileVault.institutionalRecoveryKey;
    if (personal === true || institutional === true) {
      const keys = [
        personal === true ? 'a personal' : null,
        institutional === true ? 'an institutional' : null,
      ];
      return [
        outcome(ID, 'pass', `FileVault has ${keys.filter((k) => k !== null).join(' and ')} recovery key`),
      ];
    }
    if (personal === false && institutional === false) {
      return [
        outcome(ID, 'fail', 'FileVault is on with neither a personal nor an institutional recovery key'),
      ];
    }
    return [
      outcome(
        ID,
        'unknown',
        'whether FileVault has a recovery key is unknown' +
          becauseOf(quoteErrors(errorsOf(snapshot, ['fdesetup_prk', 'fdesetup_irk']))),
      ),
    ];
  },
};
