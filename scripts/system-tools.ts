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
];
