// filevault-key-record-on-disk: the enablement record of a deferred FileVault enablement (the OutputPath
// `fdesetup showdeferralinfo` prints) is on disk. fdesetup writes the personal recovery key into it in
// clear, and it stays there (a published 10.15.6 report shows it ten months after enablement). The agent
// only looks at it with lstat.
import type { RuleDefinition } from './types.ts';
import { errorsOf, quoteErrors } from './probes.ts';
import { becauseOf, outcome } from './outcome.ts';
import { notReported } from './not-reported.ts';

const ID = 'filevault-key-record-on-disk';

export const fileVaultKeyRecordOnDisk: RuleDefinition = {
  id: ID,
  title: 'Recovery key in clear on disk (FileVault enablement record)',
  severity: 'high',
  informational: false,
  probes: ['fdesetup_deferral', 'deferral_record'],
  remediation:
    'After confirming the key is escrowed and valid in the MDM, delete the file (`sudo rm PATH`, the path ' +
    'in the reason), and escrow through an FDE recovery key escrow payload ' +
    "(com.apple.security.FDERecoveryKeyEscrow) rather than the FileVault payload's OutputPath. Check with " +
    '`sudo fdesetup showdeferralinfo` and `sudo ls -l PATH`.',
  evaluate({ snapshot }) {
    const deferral = snapshot.fileVault.deferral;
    if (deferral === undefined) return [notReported(ID, snapshot, 'FileVault deferral')];
    if (deferral === null)
      return [
        outcome(
          ID,
          'unknown',
          'the FileVault deferral settings are unknown' +
            becauseOf(quoteErrors(errorsOf(snapshot, ['fdesetup_deferral']))),
        ),
      ];
    const path = deferral.outputPath;
    if (path === null)
      return [outcome(ID, 'not_applicable', 'no deferred enablement names a record path (OutputPath)')];
    switch (deferral.recordPresent) {
      case true:
        return [
          outcome(ID, 'fail', `the enablement record at ${path} holds the personal recovery key in clear`),
        ];
      case false:
        return [outcome(ID, 'pass', `no enablement record at ${path}`)];
      default:
        return [
          outcome(
            ID,
            'unknown',
            `whether the enablement record at ${path} is on disk is unknown` +
              becauseOf(quoteErrors(errorsOf(snapshot, ['deferral_record']))),
          ),
        ];
    }
  },
};
