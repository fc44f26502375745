// How long a run waits before it starts. Splay belongs to scheduled runs: the LaunchDaemon starts
// `run --splay 300`, so that a fleet waking together does not upload in the same second. A run started
// without --splay (an admin typing `sudo tokenwatch-agent run`) never waits, whatever SplaySeconds a
// profile sets; with --splay, the SplaySeconds in effect (the flag's, or a profile's, which wins) bounds it.
export function splayDelayMs(scheduled: boolean, splaySeconds: number, random: () => number): number {
  if (!scheduled || splaySeconds <= 0) return 0;
  return Math.floor(random() * splaySeconds * 1000);
}
