#!/usr/bin/env node
// The collector's command line (collector/cli.ts). A reader that stops early (`tokenwatch openapi | head`)
// is not an error of ours: the rest of the output has nowhere to go, and the command ends as it would have.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});
await import('../collector/cli.ts');
