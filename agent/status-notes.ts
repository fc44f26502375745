// What `status` adds below the summary (summary.ts): uploads the configuration refuses right now, and
// snapshots the full outbox dropped before they were sent. Pure; every value is ours (counts, instants,
// our own sentences), nothing from the Mac's command output.
import type { OutboxGap } from './cache/outbox.ts';

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
