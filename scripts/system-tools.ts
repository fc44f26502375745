// The tools from Debian's packages that the system suite (npm run test:system) runs: declared once, read
// by the suite's preflight (check-system-tools.ts), .ci/run's package list test and the README's test.
/** Each tool the system suite runs, the arguments that make it print its version, and its package. */
export const SYSTEM_TOOLS: { tool: string; args: string[]; debian: string; why: string }[] = [
  {
    tool: 'go',
    args: ['version'],
    debian: 'golang-go',
    why: "Go's linker and codesign: the Mach-O signer's twin",
  },
  {
    tool: 'plistutil',
    args: ['-h'],
    debian: 'libplist-utils',
    why: 'libplist: a second plist parser for launchd/',
  },
  {
    tool: 'shellcheck',
    args: ['--version'],
    debian: 'shellcheck',
    why: 'lints the install, uninstall and pkg scripts',
  },
  {
    tool: 'systemd-analyze',
    args: ['--version'],
    debian: 'systemd',
    why: "verify and security: systemd's own checks of the units in deploy/systemd",
  },
  {
    tool: 'systemd-sysusers',
    args: ['--version'],
    debian: 'systemd',
    why: "makes deploy/systemd's user in a scratch root",
  },
  {
    tool: 'systemd-tmpfiles',
    args: ['--version'],
    debian: 'systemd',
    why: "makes deploy/systemd's directories in a scratch root",
  },
  {
    tool: 'strace',
    args: ['-V'],
    debian: 'strace',
    why: "records the collector's system calls, checked against the units' SystemCallFilter",
  },
  {
    tool: 'chromium',
    args: ['--headless', '--no-sandbox', '--version'],
    debian: 'chromium',
    why: 'the headless browser playwright-core drives through the dashboard (never a browser playwright downloads)',
  },
  {
    tool: 'pg_ctlcluster',
    args: ['--help'],
    debian: 'postgresql',
    why: 'a real PostgreSQL server on loopback for the PostgreSQL store (test/helpers/postgres.ts)',
  },
];
