// The oldest macOS a Mach-O executable runs on: LC_BUILD_VERSION's minos (or the older
// LC_VERSION_MIN_MACOSX). Node 22's darwin binaries say 11.0: Catalina (10.15) and older cannot run
// the agent, and the release notes and manifest must say so.
const LC_VERSION_MIN_MACOSX = 0x24;
const LC_BUILD_VERSION = 0x32;

/** "major.minor[.patch]" from the packed xxxx.yy.zz form. */
const unpack = (v: number) => {
  const patch = v & 0xff;
  return `${v >>> 16}.${(v >>> 8) & 0xff}${patch ? `.${patch}` : ''}`;
};

export function minimumMacOS(buf: Buffer): string | undefined {
  if (buf.length < 32 || buf.readUInt32LE(0) !== 0xfeedfacf) return undefined;
  const ncmds = buf.readUInt32LE(16);
  let at = 32;
  for (let i = 0; i < ncmds && at + 8 <= buf.length; i++) {
    const cmd = buf.readUInt32LE(at);
    const size = buf.readUInt32LE(at + 4);
    if (cmd === LC_BUILD_VERSION && at + 16 <= buf.length) return unpack(buf.readUInt32LE(at + 12));
    if (cmd === LC_VERSION_MIN_MACOSX && at + 12 <= buf.length) return unpack(buf.readUInt32LE(at + 8));
    if (size < 8) return undefined;
    at += size;
  }
  return undefined;
}
