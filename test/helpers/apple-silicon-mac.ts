// A simulated Apple silicon Tahoe Mac assembled from the real samples (test/fixtures/macos/), answered in
// process by a runner that CHECKS every request against the agent's command table (an unknown command
// line or timeout fails the test). Shared by the agent's collect() tests and the rules' tests on the
// snapshots the real agent builds. Where a state has no real sample the answer is written inline in the
// documented form and marked SYNTHETIC.
import { probeForRequest } from '../../agent/probes/index.ts';
import type { RunOutcome, RunRequest, Runner } from '../../agent/exec/types.ts';
import type { PathStat } from '../../agent/probes/path-stat.ts';
import type { PathStatter } from '../../agent/path-stat.ts';
import { sampleText } from '../agent/probes/samples.ts';

export interface Answer {
  stdout?: string;
  stderr?: string;
  exit?: number;
  /** Sleep this long before answering; the runner honours the AbortSignal (like the real one). */
  hangMs?: number;
  /** Ignore the AbortSignal while hanging (a broken runner). */
  ignoreAbort?: boolean;
  startError?: string;
  /** Answer with this outcome as it is (the ways a run ends without an exit code). */
  outcome?: RunOutcome;
  /** Throw this instead of answering (a broken runner). */
  throws?: string;
  /** For a key `lstat PATH`: what lstat says of PATH (the agent looks at files, it never runs them). */
  stat?: PathStat;
}

/** The key of a file's answer: what lstat says of PATH. */
export const lstatOf = (path: string) => `lstat ${path}`;

export const real = (folder: string, file: string): string => sampleText(folder, file);

export function fakeRunner(answers: Record<string, Answer>) {
  const asked: string[] = [];
  const rejected: string[] = [];
  const run: Runner = async (req: RunRequest, signal?: AbortSignal): Promise<RunOutcome> => {
    const line = [req.command, ...req.args].join(' ');
    asked.push(line);
    const probe = probeForRequest(req.command, req.args);
    const answer = answers[line];
    if (!probe || probe.timeoutMs !== req.timeoutMs || !answer) {
      rejected.push(line);
      throw new Error(`fake runner: unexpected request ${line}`);
    }
    if (answer.throws !== undefined) throw new Error(answer.throws);
    if (answer.startError)
      return { kind: 'not-started', reason: answer.startError, budgetSpent: false, durationMs: 1 };
    if (answer.hangMs) {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, answer.hangMs);
        // A runner that ignores the abort is abandoned by collect(); its timer must not hold the test file.
        if (answer.ignoreAbort) t.unref();
        if (!answer.ignoreAbort)
          signal?.addEventListener('abort', () => (clearTimeout(t), resolve()), { once: true });
      });
      if (signal?.aborted && !answer.ignoreAbort)
        return { kind: 'timed-out', by: 'budget', exitedFirst: null, stdout: '', stderr: '', durationMs: 1 };
    }
    if (answer.outcome) return answer.outcome;
    return {
      kind: 'exited',
      exitCode: answer.exit ?? 0,
      stdout: answer.stdout ?? '',
      stderr: answer.stderr ?? '',
      durationMs: 1,
    };
  };
  // Only the paths the Mac describes: anything else is a request the agent should not have made.
  const stat: PathStatter = async (path: string): Promise<PathStat> => {
    const line = lstatOf(path);
    asked.push(line);
    const answer = answers[line]?.stat;
    if (!answer) {
      rejected.push(line);
      throw new Error(`fake Mac: unexpected lstat of ${path}`);
    }
    return answer;
  };
  return { run, stat, asked, rejected };
}

export const OWNER_GUID = 'DA145BD0-81C7-41AA-9676-794E0A14B63D'; // the local user in the real Tahoe listing

/** An Apple silicon Tahoe Mac assembled from real samples (user names/GUIDs edited to agree). */
export function appleSiliconMac(): Record<string, Answer> {
  return {
    '/usr/bin/sw_vers': { stdout: real('sw_vers', 'tahoe-26.4-double-tab.txt') },
    '/usr/sbin/system_profiler SPHardwareDataType -json': {
      stdout: real('system_profiler', 'json-applesilicon-m2-mac14,7-real-no-trailing-newline.json'),
    },
    // SYNTHETIC list in the real padded layout (the only real sample is a truncated excerpt).
    '/usr/bin/dscl . -list /Users UniqueID': {
      stdout: [
        '_mbsetupuser            248',
        'daemon                  1',
        'Guest                   201',
        'itadmin                 499',
        'ernw                    501',
        'nobody                  -2',
        'root                    0',
        'temp                    502',
        '',
      ].join('\n'),
    },
    '/usr/bin/dscl . -read /Groups/admin GroupMembership': { stdout: 'GroupMembership: root itadmin\n' },
    '/usr/bin/dscl . -read /Users/ernw GeneratedUID AuthenticationAuthority': {
      stdout: `AuthenticationAuthority: ;ShadowHash;HASHLIST:<SALTED-SHA512-PBKDF2,SRP-RFC5054-4096-SHA512-PBKDF2> ;SecureToken;\nGeneratedUID: ${OWNER_GUID.toLowerCase()}\n`,
    },
    '/usr/bin/dscl . -read /Users/itadmin GeneratedUID AuthenticationAuthority': {
      stdout:
        'AuthenticationAuthority: ;ShadowHash;HASHLIST:<SALTED-SHA512-PBKDF2>\nGeneratedUID: 11111111-2222-3333-4444-555555555555\n',
    },
    '/usr/bin/dscl . -read /Users/temp GeneratedUID AuthenticationAuthority': {
      stdout:
        real('dscl_user', 'securetoken-disableduser-disa-stig-example.txt') +
        'GeneratedUID: 99999999-2222-3333-4444-555555555555\n',
    },
    '/usr/sbin/sysadminctl -secureTokenStatus ernw': {
      stderr: real('sysadminctl', 'enabled-ernw-tahoe-26.txt'),
    },
    '/usr/sbin/sysadminctl -secureTokenStatus itadmin': {
      stderr: real('sysadminctl', 'disabled-realname-with-spaces-tahoe-26.6.txt'),
    },
    '/usr/sbin/sysadminctl -secureTokenStatus temp': {
      stderr: real('sysadminctl', 'disabled-ec2-user-2021-bigsur.txt'),
    },
    '/usr/sbin/diskutil apfs listcryptousers /': {
      stdout: real(
        'diskutil_cryptousers',
        'listcryptousers-tahoe-applesilicon-3users-bootstrap-owner-yes.txt',
      ),
    },
    '/usr/bin/fdesetup status': { stdout: real('fdesetup_status', 'on-plain-tahoe.txt') },
    '/usr/bin/fdesetup list': { stdout: `ernw,${OWNER_GUID}\n` },
    '/usr/bin/fdesetup haspersonalrecoverykey': { stdout: 'true\n' },
    '/usr/bin/fdesetup hasinstitutionalrecoverykey': { stdout: 'false\n' },
    '/usr/bin/profiles status -type bootstraptoken': {
      stdout: real('profiles_bootstrap', 'supported-yes-escrowed-no-catalina-beta.txt'),
    },
    '/usr/bin/profiles status -type enrollment': {
      stdout: real('profiles_enrollment', 'dep-yes-uamdm-yes-server-line-bigsur.txt'),
    },
    '/usr/bin/stat -f %Su /dev/console': { stdout: 'ernw\n' },
    // Admin membership as opendirectoryd resolves it: the real positive answer; the negative SYNTHETIC.
    '/usr/bin/dsmemberutil checkmembership -U itadmin -G admin': {
      stdout: real('dsmemberutil_admin', 'member-ad-user-nested-admin-homebrew-install-32-2016.txt'),
    },
    '/usr/bin/dsmemberutil checkmembership -U ernw -G admin': {
      stdout: real('dsmemberutil_admin', 'not-member-SYNTHETIC.txt'),
    },
    '/usr/bin/dsmemberutil checkmembership -U temp -G admin': {
      stdout: real('dsmemberutil_admin', 'not-member-SYNTHETIC.txt'),
    },
    // No deferred enablement: the documented answer (SYNTHETIC) and its exit code.
    '/usr/bin/fdesetup showdeferralinfo': {
      stdout: real('fdesetup_deferral', 'not-found-SYNTHETIC.txt'),
      exit: 20,
    },
    // The console user's Platform SSO state (Fleet's real capture of a Mac without Platform SSO).
    '/bin/launchctl asuser 501 /usr/bin/sudo -u ernw /usr/bin/app-sso platform -s': {
      stdout: real('app_sso_platform', 'not-configured-all-null-fleet-2025-06.txt'),
    },
    // No key written for MDM escrow (`fdesetup enable` showed the key on screen instead).
    [lstatOf('/var/db/FileVaultPRK.dat')]: { stat: { kind: 'missing' } },
    '/usr/libexec/mdmclient QueryDeviceInformation': {
      stdout: real('mdmclient', 'QueryDeviceInformation-13.3.1a-applesilicon-withheader.txt'),
    },
  };
}

/**
 * The same Mac as an Intel Catalina one (real samples): Intel hardware (SYNTHETIC JSON with the fields of
 * the real text capture), 10.13-style sw_vers, the Catalina crypto users without Volume Owner lines, a
 * server without Bootstrap Token support and the 10.14.6 mdmclient answer.
 */
export function intelCatalinaMac(): Record<string, Answer> {
  const mac = appleSiliconMac();
  mac['/usr/sbin/system_profiler SPHardwareDataType -json'] = {
    stdout: JSON.stringify({
      SPHardwareDataType: [
        {
          serial_number: 'C02XFGWEJG5H',
          platform_UUID: '4EA008BF-9B36-5F1D-9151-AD4F64808AAB',
          machine_model: 'MacBookPro15,1',
          cpu_type: '6-Core Intel Core i7',
        },
      ],
    }),
  };
  mac['/usr/bin/sw_vers'] = { stdout: real('sw_vers', 'old-format-10.13-no-patch-tabs.txt') };
  mac['/usr/sbin/diskutil apfs listcryptousers /'] = {
    stdout: real(
      'diskutil_cryptousers',
      'listusers-catalina-intel-4users-bootstrap-external-key-trailing-space-line.txt',
    ),
  };
  mac['/usr/bin/profiles status -type bootstraptoken'] = {
    stdout: real('profiles_bootstrap', 'supported-no-single-line-catalina.txt'),
  };
  mac['/usr/libexec/mdmclient QueryDeviceInformation'] = {
    stdout: real('mdmclient', 'QueryDeviceInformation-10.14.6-intel-MacBookPro14,3.txt'),
  };
  return mac;
}
