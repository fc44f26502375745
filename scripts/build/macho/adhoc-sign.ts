// Ad-hoc signing: reserve room for the signature at the end of __LINKEDIT, point a new
// LC_CODE_SIGNATURE at it, and hash every 4 KiB page before it into the CodeDirectory.
import { MachoError } from './errors.ts';
import {
  HEADER_SIZE_64,
  LC_CODE_SIGNATURE,
  LINKEDIT_DATA_COMMAND_SIZE,
  MH_EXECUTE,
  findSegment,
  firstContentOffset,
  parseMacho,
  vmPageSize,
} from './macho-file.ts';
import { adhocSignatureSize, buildAdhocSignature } from './code-signature.ts';
import { requireLinkedit, resizeLinkedit } from './linkedit.ts';
import { removeSignature } from './remove-signature.ts';

export interface AdhocSignOptions {
  /** Mark the signature linker-signed as Go and ld64 do (default true, byte-identical to Go). */
  linkerSigned?: boolean;
}

const SIGNATURE_ALIGNMENT = 16;

/** Sign a thin 64-bit Mach-O file ad hoc; an existing signature is replaced. Returns a new buffer. */
export function adhocSign(input: Buffer, identifier: string, options: AdhocSignOptions = {}): Buffer {
  if (identifier.length === 0 || identifier.includes('\0')) {
    throw new TypeError('identifier must be a non-empty string without NUL');
  }
  const unsigned = removeSignature(input);
  const file = parseMacho(unsigned);
  const linkedit = requireLinkedit(file, unsigned.length);
  if (unsigned.length !== linkedit.fileoff + linkedit.filesize) {
    throw new MachoError(
      'MACHO_TRAILING_DATA',
      `${unsigned.length - linkedit.fileoff - linkedit.filesize} bytes follow __LINKEDIT`,
    );
  }
  const text = findSegment(file, '__TEXT');
  if (text === undefined) throw new MachoError('MACHO_NO_TEXT', 'no __TEXT segment');

  const commandAt = HEADER_SIZE_64 + file.sizeofcmds;
  const room = firstContentOffset(file, unsigned.length) - commandAt;
  if (
    room < LINKEDIT_DATA_COMMAND_SIZE ||
    unsigned.subarray(commandAt, commandAt + LINKEDIT_DATA_COMMAND_SIZE).some((byte) => byte !== 0)
  ) {
    throw new MachoError(
      'MACHO_NO_ROOM',
      `no room for LC_CODE_SIGNATURE: ${Math.max(room, 0)} free bytes after the load commands, 16 needed (relink with -headerpad)`,
    );
  }

  const codeLimit = Math.ceil(unsigned.length / SIGNATURE_ALIGNMENT) * SIGNATURE_ALIGNMENT;
  const signatureSize = adhocSignatureSize(codeLimit, identifier);
  if (codeLimit + signatureSize > 0xffffffff) {
    throw new MachoError('MACHO_TOO_LARGE', 'signed file would exceed 4 GiB (32-bit dataoff)');
  }

  const out = Buffer.alloc(codeLimit + signatureSize);
  unsigned.copy(out);
  out.writeUInt32LE(LC_CODE_SIGNATURE, commandAt);
  out.writeUInt32LE(LINKEDIT_DATA_COMMAND_SIZE, commandAt + 4);
  out.writeUInt32LE(codeLimit, commandAt + 8);
  out.writeUInt32LE(signatureSize, commandAt + 12);
  out.writeUInt32LE(file.ncmds + 1, 16);
  out.writeUInt32LE(file.sizeofcmds + LINKEDIT_DATA_COMMAND_SIZE, 20);
  resizeLinkedit(out, linkedit, out.length - linkedit.fileoff, vmPageSize(file));

  const signature = buildAdhocSignature({
    code: out.subarray(0, codeLimit),
    identifier,
    execSegBase: text.fileoff,
    execSegLimit: text.filesize,
    isMainBinary: file.fileType === MH_EXECUTE,
    linkerSigned: options.linkerSigned ?? true,
  });
  signature.copy(out, codeLimit);
  return out;
}
