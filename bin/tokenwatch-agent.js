#!/usr/bin/env node
// The agent's entry: `npx --no-install tokenwatch-agent ...` in a checkout, and the entry the single
// executable is built from (scripts/build/agent.ts). agent/main.ts only exports main(); this runs it.
import { main } from '../agent/main.ts';

// A reader that stops early (`| head`) is not an error of ours.
process.stdout.on('error', (err) => {
  if (err.code === 'EPIPE') process.exit(process.exitCode ?? 0);
  throw err;
});

main({
  argv: process.argv.slice(2),
  env: process.env,
  stdoutIsTTY: process.stdout.isTTY === true,
  stdout: (s) => process.stdout.write(s),
  stderr: (s) => process.stderr.write(s),
}).then(
  (code) => {
    process.exitCode = code;
  },
  (err) => {
    process.stderr.write(`tokenwatch-agent: ${String(err)}\n`);
    process.exitCode = 1;
  },
);
