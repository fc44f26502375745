// The fields agents report since the recovery-key escrow file, FileVault deferral, admin membership and
// Platform SSO signals, set on a compliant snapshot as the agent reports them on a compliant Mac (no
// deferral, a key written for escrow, alice an admin through the local group, Platform SSO not configured).
import type { Snapshot } from '../../../agent/snapshot/index.ts';

export function withSignals(s: Snapshot): void {
  s.fileVault.prkEscrowFile = { present: true, size: 1208, modifiedAt: '2026-02-20T09:14:03.000Z' };
  s.fileVault.deferral = {
    deferred: false,
    fromProfile: false,
    users: null,
    outputPath: null,
    recordPresent: null,
  };
  s.notApplicable.push('fileVault.deferral.recordPresent');
  for (const u of s.users) u.adminDirect = u.admin;
  s.platformSso = {
    deviceConfigured: false,
    deviceRegistered: null,
    extensionIdentifier: null,
    loginType: null,
    user: { name: 'alice', registered: false, state: null },
  };
}

/** A Mac registered for Platform SSO with Microsoft's extension, alice registered. */
export function withPlatformSso(s: Snapshot): void {
  withSignals(s);
  s.platformSso = {
    deviceConfigured: true,
    deviceRegistered: true,
    extensionIdentifier: 'com.microsoft.CompanyPortalMac.ssoextension',
    loginType: 'POLoginTypeUserSecureEnclaveKey (2)',
    user: { name: 'alice', registered: true, state: 'POUserStateNormal (0)' },
  };
}
