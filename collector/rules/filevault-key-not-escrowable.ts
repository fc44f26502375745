// filevault-key-not-escrowable: FileVault has a personal recovery key, the Mac is enrolled, and macOS never
// wrote a key for MDM escrow (/var/db/FileVaultPRK.dat, which an FDE recovery key escrow payload makes
// macOS write whenever a new personal key is made). The file proves only that a key was written for the
// MDM to collect; whether the MDM collected it and can decrypt it is shown only in the MDM. It is not
// removed when the MDM collects it, so its absence is the fact this rule fails on.
import type { RuleDefinition } from './types.ts';
import { errorsOf, quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';
import { fileVaultState } from './filevault-state.ts';
import { notReported } from './not-reported.ts';

const ID = 'filevault-key-not-escrowable';

export const fileVaultKeyNotEscrowable: RuleDefinition = {
  id: ID,
  title: 'No personal recovery key written for MDM escrow',
  severity: 'medium',
  informational: false,
  probes: ['fdesetup_status', 'fdesetup_prk', 'profiles_enrollment', 'prk_escrow_file'],
  remediation:
    'Install a profile with an FDE recovery key escrow payload (com.apple.security.FDERecoveryKeyEscrow) ' +
    'scoped to this Mac. Then make a new personal recovery key so macOS writes it for escrow: Escrow Buddy ' +
    '(`sudo defaults write /Library/Preferences/com.netflix.Escrow-Buddy.plist GenerateNewKey -bool true`, ' +
    'new key at next login) or `sudo fdesetup changerecovery -personal`. Then have the MDM send ' +
    'SecurityInfo (Jamf: `sudo jamf recon`). Check that `sudo ls -l /var/db/FileVaultPRK.dat` shows a fresh ' +
    'time and the MDM shows the key as valid. A grace window of 7 days (graceSeconds ' +
    'filevault-key-not-escrowable=604800) leaves Escrow Buddy time to wait for a login. Exempt this rule if ' +
    'you escrow with Crypt or another tool.',
  evaluate({ snapshot }) {
    const { state, errors: stateErrors } = fileVaultState(snapshot);
    if (state === 'off' || state === 'decrypting')
      return [outcome(ID, 'not_applicable', 'FileVault is not on (see filevault-off)')];
    if (state === 'unknown')
      return [outcome(ID, 'unknown', 'the FileVault state is unknown' + becauseOf(quoteErrors(stateErrors)))];
    const file = snapshot.fileVault.prkEscrowFile;
    if (file === undefined) return [notReported(ID, snapshot, 'the recovery key escrow file')];
    // A key written for escrow is the fact this rule asks for, whatever else is unknown.
    if (file?.present === true) return [written(file.modifiedAt)];
    const enrolled = snapshot.mdm.enrolled;
    if (enrolled === false)
      return [outcome(ID, 'not_applicable', 'the Mac is not enrolled in MDM (see mdm-not-enrolled)')];
    if (enrolled === null)
      return [
        outcome(
          ID,
          'unknown',
          'MDM enrolment is unknown' + becauseOf(quoteErrors(errorsOf(snapshot, ['profiles_enrollment']))),
        ),
      ];
    const personal = snapshot.fileVault.personalRecoveryKey;
    if (personal === false)
      return [
        outcome(
          ID,
          'not_applicable',
          'FileVault has no personal recovery key (see filevault-no-recovery-key)',
        ),
      ];
    if (personal === null)
      return [
        outcome(
          ID,
          'unknown',
          'whether FileVault has a personal recovery key is unknown' +
            becauseOf(quoteErrors(errorsOf(snapshot, ['fdesetup_prk']))),
        ),
      ];
    if (file === null)
      return [
        outcome(
          ID,
          'unknown',
          'whether a key was written for MDM escrow is unknown' +
            becauseOf(quoteErrors(errorsOf(snapshot, ['prk_escrow_file']))),
        ),
      ];
    return [
      outcome(
        ID,
        'fail',
        'FileVault has a personal recovery key, but none was written for MDM escrow ' +
          '(/var/db/FileVaultPRK.dat absent): the MDM cannot hold a key that unlocks this Mac',
      ),
    ];
  },
};

function written(at: string | null) {
  return outcome(
    ID,
    'pass',
    `a key for MDM escrow was written at ${at ?? 'an unknown time'}; whether the MDM collected it and can ` +
      'decrypt it is shown only in the MDM',
  );
}
