// npm run test:system runs this first: the system suite compares our code with independent tools from
// Debian's packages. A missing tool fails the suite here, with the one command that installs every
// missing package (the suite never skips). .ci/run installs them all.
import { spawnSync } from 'node:child_process';
import { SYSTEM_TOOLS } from './system-tools.ts';

const missing = SYSTEM_TOOLS.filter(({ tool, args }) => {
  const r = spawnSync(tool, args, { stdio: 'ignore', timeout: 30_000 });
  return r.error !== undefined;
});
if (missing.length > 0) {
  for (const m of missing) console.error(`tokenwatch: the system suite needs ${m.tool} (${m.why}).`);
  console.error(
    `Install: apt-get update && apt-get install -y ${[...new Set(missing.map((m) => m.debian))].join(' ')}`,
  );
  process.exit(1);
}
