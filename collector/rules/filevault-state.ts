// The FileVault state as the rules trust it: 'unknown' when `fdesetup status` reported an error.
import type { CollectionError, FileVaultState, Snapshot } from '../../agent/snapshot/index.ts';
import { errorsOf } from './probes.ts';

export function fileVaultState(snapshot: Snapshot): { state: FileVaultState; errors: CollectionError[] } {
  const errors = errorsOf(snapshot, ['filevault-status']);
  // `as`: the contract's static type of fileVault.state is a union built from FILEVAULT_STATES.
  const state = errors.length > 0 ? 'unknown' : (snapshot.fileVault.state as FileVaultState);
  return { state, errors };
}
