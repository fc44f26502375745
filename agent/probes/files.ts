// THE list of files the agent looks at (as root) without running anything: one lstat each, by the
// agent itself (agent/path-stat.ts, resolved under --sysroot). A file is never opened or read, and a
// symbolic link is never followed: both files below can hold a recovery key. Each row's id is the
// contract's probe id (agent/snapshot/errors.ts FILE_PROBE_IDS), the `probe` of its errors.
import type { FileProbeId } from '../snapshot/errors.ts';
import { PRK_ESCROW_FILE } from './prk-escrow-file.ts';

export interface FileProbe {
  id: FileProbeId;
  /** The path, as README shows it (a fixed path in backticks, or where the path comes from). */
  path: string;
  /** What the agent learns from lstat's answer, for the README. */
  reads: string;
}

export const FILE_PROBES = {
  prk_escrow_file: {
    id: 'prk_escrow_file',
    path: `\`${PRK_ESCROW_FILE}\``,
    reads:
      'whether macOS wrote a personal recovery key for MDM escrow (an FDE recovery key escrow payload), its size and when',
  },
  deferral_record: {
    id: 'deferral_record',
    path: 'the `OutputPath` that `fdesetup showdeferralinfo` prints (seen: `/var/db/ConfigurationProfiles/fdesetup.plist`)',
    reads:
      'whether the enablement record of a deferred FileVault enablement, which holds the recovery key in clear, is on disk',
  },
} as const satisfies { [K in FileProbeId]: FileProbe & { id: K } };

/** Every file probe, in the order of FILE_PROBE_IDS. */
export const FILE_TABLE: readonly FileProbe[] = Object.values(FILE_PROBES);

/** Markdown rows of the file table (header included), for the README and its check. */
export function renderFileTable(): string {
  const rows = FILE_TABLE.map((f) => `| \`${f.id}\` | ${f.path} | ${f.reads} |`);
  return ['| probe | path | reads |', '|---|---|---|', ...rows].join('\n');
}
