// What `status` adds below the summary (summary.ts): that launchd has not been running the agent, uploads
// the configuration refuses right now, and snapshots the full outbox dropped before they were sent. Pure; every value is ours (counts, instants,
// our own sentences), nothing from the Mac's command output.
import type { OutboxGap } from './cache/outbox.ts';
import { STALE_AFTER_INTERVALS, isStale } from './staleness.ts';

export interface StatusNotes {
  uploadRefusals: string[];
  gap: OutboxGap | null;
  maxCachedSnapshots: number;
}

export function renderStatusNotes(notes: StatusNotes): string {
  const lines: string[] = [];
  if (notes.uploadRefusals.length > 0) {
    lines.push('Uploads refused  the configuration must be corrected first (tokenwatch-agent config):');
    for (const r of notes.uploadRefusals) lines.push(`  ${r}`);
  }
  const gap = notes.gap;
  if (gap) {
    lines.push(
      `Dropped          ${gap.dropped} changed snapshot(s) never sent: the outbox was full (MaxCachedSnapshots ${notes.maxCachedSnapshots}); they were queued between ${gap.firstQueuedAt} and ${gap.lastQueuedAt}, the last dropped ${gap.lastDroppedAt}`,
    );
  }
  return lines.length > 0 ? `${lines.join('\n')}\n` : '';
}

/** When and how long ago the last collection was, against the run interval (main.ts: the clock's now). */
export interface LastRun {
  lastCollectedAt: string;
  now: Date;
  intervalSeconds: number;
}

const hours = (seconds: number) =>
  seconds >= 2 * 86400 ? `${Math.floor(seconds / 86400)} days` : `${Math.round(seconds / 360) / 10} h`;

/**
 * The lines `status` adds when launchd has not run the agent for longer than its interval allows (the
 * EA summary's Stale: staleness.ts), with what to check; '' otherwise.
 */
export function renderNotRun(r: LastRun): string {
  if (!isStale(r.lastCollectedAt, r.now, r.intervalSeconds)) return '';
  const age = (r.now.getTime() - Date.parse(r.lastCollectedAt)) / 1000;
  const ago = Number.isFinite(age) ? `${hours(age)} ago` : 'at an unreadable time';
  return [
    `Not running      the last collection was ${ago}, more than ${STALE_AFTER_INTERVALS} x StartIntervalSeconds (${r.intervalSeconds} s): launchd has not been running the agent. Check:`,
    '  sudo launchctl print system/com.tokenwatch.agent                 loaded? state, runs, last exit code',
    '  sudo sfltool dumpbtm | grep -B 4 -A 10 com.tokenwatch.agent      macOS 13+: turned off in System Settings >',
    '                                                                   General > Login Items? (the Managed Login',
    '                                                                   Items payload of the example profile prevents it)',
    '  cat /Library/Logs/tokenwatch/launchd.log                         what the job printed when launchd started it',
    '',
  ].join('\n');
}
