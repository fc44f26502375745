// The signer on hand-built files: layouts Go's output does not have, and the errors.
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { describe, it } from 'node:test';
import { adhocSign } from '../../../scripts/build/macho/adhoc-sign.ts';
import { MachoError } from '../../../scripts/build/macho/errors.ts';
import { findSegment, parseMacho } from '../../../scripts/build/macho/macho-file.ts';
import type { MachoFile, Segment } from '../../../scripts/build/macho/macho-file.ts';
import { removeSignature } from '../../../scripts/build/macho/remove-signature.ts';
import { verifyPageHashes } from '../../../scripts/build/macho/verify.ts';
import { MH_BUNDLE, MH_DYLIB, syntheticMacho } from './synthetic-macho.ts';

function linkedit(file: MachoFile): Segment {
  const segment = findSegment(file, '__LINKEDIT');
  assert.ok(segment);
  return segment;
}

/** The CodeDirectory of a file signed by us: it starts 20 bytes into the SuperBlob. */
function codeDirectory(signed: Buffer): Buffer {
  const dataoff = parseMacho(signed).codeSignature?.dataoff ?? assert.fail('unsigned');
  return signed.subarray(dataoff + 20);
}

function rejects(code: string, action: () => unknown, message: RegExp): void {
  assert.throws(action, (error: unknown) => {
    assert.ok(error instanceof MachoError);
    assert.equal(error.code, code);
    assert.match(error.message, message);
    return true;
  });
}

describe('adhocSign', () => {
  it('appends LC_CODE_SIGNATURE and the signature after a 16-byte-aligned code limit', () => {
    const input = syntheticMacho({ linkeditSize: 0x1233 });
    const signed = adhocSign(input, 'com.tokenwatch.agent');
    const file = parseMacho(signed);
    assert.equal(file.ncmds, 4);
    assert.equal(file.commands.at(-1)?.cmd, 0x1d);
    const signature = file.codeSignature ?? assert.fail('no LC_CODE_SIGNATURE');
    assert.equal(signature.dataoff, Math.ceil(input.length / 16) * 16);
    assert.equal(
      signed.subarray(input.length, signature.dataoff).every((byte) => byte === 0),
      true,
      'zero padding',
    );
    assert.equal(signature.dataoff + signature.datasize, signed.length);
    assert.equal(linkedit(file).fileoff + linkedit(file).filesize, signed.length);
    assert.equal(
      linkedit(file).vmsize,
      BigInt(linkedit(file).filesize),
      'Go-style exact vmsize is kept exact',
    );
    assert.deepEqual(verifyPageHashes(signed).problems, []);
  });

  it('writes the CodeDirectory fields Go writes: version, flags, hashes, execSeg, identifier', () => {
    const signed = adhocSign(syntheticMacho(), 'com.tokenwatch.agent');
    const cd = codeDirectory(signed);
    const file = parseMacho(signed);
    const text = findSegment(file, '__TEXT') ?? assert.fail('no __TEXT');
    assert.equal(cd.readUInt32BE(0), 0xfade0c02);
    assert.equal(cd.readUInt32BE(8), 0x20400, 'version');
    assert.equal(cd.readUInt32BE(12), 0x20002, 'adhoc | linker-signed');
    assert.equal(cd.readUInt32BE(24), 0, 'no special slots');
    assert.equal(cd.readUInt32BE(32), file.codeSignature?.dataoff, 'code limit');
    assert.deepEqual([cd[36], cd[37], cd[39]], [32, 2, 12], 'SHA-256, 4 KiB pages');
    assert.equal(cd.readBigUInt64BE(64), BigInt(text.fileoff));
    assert.equal(cd.readBigUInt64BE(72), BigInt(text.filesize));
    assert.equal(cd.readBigUInt64BE(80), 1n, 'CS_EXECSEG_MAIN_BINARY');
    assert.equal(cd.toString('latin1', 88, 88 + 21), 'com.tokenwatch.agent\0');
  });

  it('leaves execSeg flags clear for a dylib and linker-signed off on request', () => {
    const cd = codeDirectory(
      adhocSign(syntheticMacho({ fileType: MH_DYLIB }), 'lib', { linkerSigned: false }),
    );
    assert.equal(cd.readUInt32BE(12), 0x2, 'adhoc only');
    assert.equal(cd.readBigUInt64BE(80), 0n);
  });

  it('rounds an ld64-style __LINKEDIT vmsize to the page size of the architecture', () => {
    for (const [arch, page] of [
      ['arm64', 0x4000],
      ['x86_64', 0x1000],
    ] as const) {
      const input = syntheticMacho({ arch, linkeditSize: 0x3ff0, linkeditVmRound: page });
      const segment = linkedit(parseMacho(adhocSign(input, 'x')));
      assert.ok(segment.filesize > 0x3ff0);
      assert.equal(segment.vmsize, BigInt(Math.ceil(segment.filesize / page) * page), arch);
    }
  });

  it('replaces a larger existing signature and shrinks __LINKEDIT to fit the new one', () => {
    const input = syntheticMacho({ signatureSize: 0x9000, linkeditVmRound: 0x4000 });
    const signed = adhocSign(input, 'x');
    const file = parseMacho(signed);
    assert.equal(file.ncmds, 4);
    assert.ok(signed.length < input.length);
    assert.equal(linkedit(file).vmsize, BigInt(Math.ceil(linkedit(file).filesize / 0x4000) * 0x4000));
    assert.deepEqual(verifyPageHashes(signed).problems, []);
  });

  it('fits when exactly 16 bytes are free after the load commands', () => {
    assert.equal(verifyPageHashes(adhocSign(syntheticMacho({ headerpad: 16 }), 'x')).ok, true);
  });

  it('refuses a file with no room for the load command, saying so', () => {
    rejects(
      'MACHO_NO_ROOM',
      () => adhocSign(syntheticMacho({ headerpad: 8 }), 'x'),
      /8 free bytes after the load commands, 16 needed/,
    );
    rejects('MACHO_NO_ROOM', () => adhocSign(syntheticMacho({ headerpad: 0 }), 'x'), /0 free bytes/);
  });

  it('refuses data after __LINKEDIT, a signature that is not last, and files it does not sign', () => {
    const trailing = Buffer.concat([syntheticMacho(), Buffer.from('extra')]);
    rejects('MACHO_TRAILING_DATA', () => adhocSign(trailing, 'x'), /5 bytes follow __LINKEDIT/);
    rejects(
      'MACHO_SIGNATURE_NOT_LAST',
      () => adhocSign(syntheticMacho({ signatureSize: 0x100, afterSignature: 0x40 }), 'x'),
      /not at the end of __LINKEDIT/,
    );
    const fat = Buffer.alloc(64);
    fat.writeUInt32BE(0xcafebabe, 0);
    rejects('MACHO_NOT_THIN_64', () => adhocSign(fat, 'x'), /universal.*lipo/);
    const thin32 = Buffer.alloc(64);
    thin32.writeUInt32LE(0xfeedface, 0);
    rejects('MACHO_NOT_THIN_64', () => adhocSign(thin32, 'x'), /32-bit/);
    const powerpc = syntheticMacho();
    powerpc.writeUInt32LE(0x01000012, 4);
    rejects('MACHO_UNSUPPORTED_CPU', () => adhocSign(powerpc, 'x'), /neither arm64 nor x86_64/);
    rejects(
      'MACHO_TRUNCATED',
      () => adhocSign(syntheticMacho().subarray(0, 200), 'x'),
      /past the end of the file/,
    );
    assert.throws(() => adhocSign(syntheticMacho(), ''), TypeError);
  });
});

describe('removeSignature', () => {
  it('undoes adhocSign on a 16-byte-aligned file', () => {
    const input = syntheticMacho({ linkeditSize: 0x1230 });
    assert.deepEqual(removeSignature(adhocSign(input, 'x')), input);
  });

  it('closes the gap when LC_CODE_SIGNATURE precedes __LINKEDIT and shrinks the moved segment', () => {
    const input = syntheticMacho({
      signatureSize: 0x200,
      signatureCommandFirst: true,
      linkeditVmRound: 0x4000,
    });
    const stripped = removeSignature(input);
    const file = parseMacho(stripped);
    assert.equal(file.ncmds, 3);
    assert.equal(file.codeSignature, undefined);
    assert.equal(
      stripped.subarray(32 + file.sizeofcmds, 32 + file.sizeofcmds + 16).every((byte) => byte === 0),
      true,
    );
    assert.equal(linkedit(file).fileoff + linkedit(file).filesize, stripped.length);
    assert.equal(linkedit(file).vmsize, 0x4000n);
  });

  it('returns an unsigned file unchanged', () => {
    const input = syntheticMacho();
    assert.deepEqual(removeSignature(input), input);
  });
});

describe('verifyPageHashes', () => {
  it('reports each damaged page, a wrong code limit and a missing signature', () => {
    const signed = adhocSign(syntheticMacho(), 'x');
    const damaged = Buffer.from(signed);
    damaged[0x4001] = (damaged[0x4001] ?? 0) ^ 0xff;
    damaged[0x5000] = (damaged[0x5000] ?? 0) ^ 0xff;
    const check = verifyPageHashes(damaged);
    assert.equal(check.ok, false);
    assert.deepEqual(check.problems, [
      'CodeDirectory slot 0x0: page 4 (file offset 0x4000) hash mismatch',
      'CodeDirectory slot 0x0: page 5 (file offset 0x5000) hash mismatch',
    ]);

    const limit = Buffer.from(signed);
    const cdAt = (parseMacho(signed).codeSignature?.dataoff ?? 0) + 20;
    limit.writeUInt32BE(limit.readUInt32BE(cdAt + 32) - 16, cdAt + 32);
    assert.match(verifyPageHashes(limit).problems.join('\n'), /code limit .* is not the signature offset/);

    assert.deepEqual(verifyPageHashes(syntheticMacho()).problems, ['no LC_CODE_SIGNATURE']);
    assert.equal(verifyPageHashes(Buffer.from('not mach-o at all, just text')).ok, false);
  });

  it("holds a main executable's execSeg to __TEXT and another file's to a range inside it", () => {
    const withExecSegLimit = (signed: Buffer, delta: number): Buffer => {
      const changed = Buffer.from(signed);
      const cd = codeDirectory(changed);
      cd.writeBigUInt64BE(cd.readBigUInt64BE(72) + BigInt(delta), 72);
      return changed;
    };
    const executable = adhocSign(syntheticMacho(), 'x');
    assert.match(
      verifyPageHashes(withExecSegLimit(executable, -16)).problems.join('\n'),
      /execSeg 0\+\d+ is not __TEXT 0\+\d+/,
    );
    const dylib = adhocSign(syntheticMacho({ fileType: MH_DYLIB }), 'lib');
    assert.deepEqual(verifyPageHashes(withExecSegLimit(dylib, -16)).problems, []);
    assert.match(
      verifyPageHashes(withExecSegLimit(dylib, 16)).problems.join('\n'),
      /execSeg 0\+\d+ lies outside __TEXT 0\+\d+/,
    );
  });

  it("passes ld64's signature on a loadable bundle: better-sqlite3's darwin-arm64 addon", () => {
    const addon = readFileSync(
      join(import.meta.dirname, '../../../node_modules/better-sqlite3/prebuilds/darwin-arm64.node'),
    );
    const file = parseMacho(addon);
    assert.equal(file.fileType, MH_BUNDLE);
    const signatureAt = file.codeSignature?.dataoff ?? assert.fail('the addon is not signed');
    const cd = addon.subarray(signatureAt + addon.readUInt32BE(signatureAt + 16));
    const text = findSegment(file, '__TEXT') ?? assert.fail('no __TEXT');
    assert.ok(cd.readBigUInt64BE(72) < BigInt(text.filesize), 'ld64 wrote an execSeg shorter than __TEXT');
    const check = verifyPageHashes(addon);
    assert.deepEqual(check.problems, []);
    assert.equal(check.codeDirectories, 1);
    assert.equal(check.pagesChecked, Math.ceil(signatureAt / 4096));
  });
});
