// The FileVault state, with the `fdesetup status` errors that explain an 'unknown'.
import type { CollectionError, FileVaultState, Snapshot } from '../../agent/snapshot/index.ts';
import { errorsOf } from './probes.ts';

export function fileVaultState(snapshot: Snapshot): { state: FileVaultState; errors: CollectionError[] } {
  const errors = errorsOf(snapshot, ['fdesetup_status']);
  // `as`: the contract's static type of fileVault.state is a union built from FILEVAULT_STATES.
  const state = snapshot.fileVault.state as FileVaultState;
  return { state, errors };
}
