// Remove an embedded code signature, as `codesign --remove-signature` does: drop LC_CODE_SIGNATURE
// from the load commands, cut the signature off the end of the file and shrink __LINKEDIT.
import { MachoError } from './errors.ts';
import { HEADER_SIZE_64, parseMacho, vmPageSize } from './macho-file.ts';
import { requireLinkedit, resizeLinkedit } from './linkedit.ts';

/** Returns a new buffer without the signature; an unsigned file is returned as a copy. */
export function removeSignature(input: Buffer): Buffer {
  const file = parseMacho(input);
  const signature = file.codeSignature;
  if (signature === undefined) return Buffer.from(input);

  const linkedit = requireLinkedit(file, input.length);
  const linkeditEnd = linkedit.fileoff + linkedit.filesize;
  const signatureEnd = signature.dataoff + signature.datasize;
  if (signature.dataoff < linkedit.fileoff || signatureEnd !== linkeditEnd) {
    throw new MachoError(
      'MACHO_SIGNATURE_NOT_LAST',
      `the signature (0x${signature.dataoff.toString(16)}..0x${signatureEnd.toString(16)}) is not at the end of __LINKEDIT (ends 0x${linkeditEnd.toString(16)})`,
    );
  }
  if (input.length !== linkeditEnd) {
    throw new MachoError('MACHO_TRAILING_DATA', `${input.length - linkeditEnd} bytes follow __LINKEDIT`);
  }

  const out = Buffer.from(input.subarray(0, signature.dataoff));
  // Close the gap the command leaves, then clear the freed bytes at the end of the commands.
  const commandsEnd = HEADER_SIZE_64 + file.sizeofcmds;
  const size = 16;
  out.copy(out, signature.commandOffset, signature.commandOffset + size, commandsEnd);
  out.fill(0, commandsEnd - size, commandsEnd);
  out.writeUInt32LE(file.ncmds - 1, 16);
  out.writeUInt32LE(file.sizeofcmds - size, 20);
  // The command sits before __LINKEDIT's segment command only if it precedes it; locate it again.
  const moved = signature.commandOffset < linkedit.commandOffset ? size : 0;
  resizeLinkedit(
    out,
    { ...linkedit, commandOffset: linkedit.commandOffset - moved },
    signature.dataoff - linkedit.fileoff,
    vmPageSize(file),
  );
  return out;
}
