// Small hand-built Mach-O files for the cases real binaries do not cover: no free space after the
// load commands, an ld64-style page-rounded __LINKEDIT, data after __LINKEDIT, odd sizes.
// Layout: header, __PAGEZERO, __TEXT (one __text section right after the commands + headerpad),
// __LINKEDIT, and optionally an LC_CODE_SIGNATURE command and blob.
const CPU = { arm64: 0x0100000c, x86_64: 0x01000007 } as const;
export const MH_DYLIB = 0x6;
export const MH_BUNDLE = 0x8;

export interface SyntheticOptions {
  arch?: keyof typeof CPU;
  fileType?: number;
  /** Free bytes between the load commands and __text. */
  headerpad?: number;
  textSize?: number;
  linkeditSize?: number;
  /** Round __LINKEDIT's vmsize up to this (ld64 style); 0 keeps vmsize = filesize (Go style). */
  linkeditVmRound?: number;
  /** Append an (opaque) signature blob of this size, pointed to by LC_CODE_SIGNATURE. */
  signatureSize?: number;
  /** Put LC_CODE_SIGNATURE before __LINKEDIT's command instead of last. */
  signatureCommandFirst?: boolean;
  /** Bytes of __LINKEDIT data after the signature blob. */
  afterSignature?: number;
}

function segment(
  name: string,
  vmaddr: bigint,
  vmsize: bigint,
  fileoff: number,
  filesize: number,
  nsects: number,
): Buffer {
  const b = Buffer.alloc(72 + nsects * 80);
  b.writeUInt32LE(0x19, 0);
  b.writeUInt32LE(b.length, 4);
  b.write(name, 8, 'latin1');
  b.writeBigUInt64LE(vmaddr, 24);
  b.writeBigUInt64LE(vmsize, 32);
  b.writeBigUInt64LE(BigInt(fileoff), 40);
  b.writeBigUInt64LE(BigInt(filesize), 48);
  b.writeUInt32LE(nsects, 64);
  return b;
}

function codeSignatureCommand(dataoff: number, datasize: number): Buffer {
  const b = Buffer.alloc(16);
  b.writeUInt32LE(0x1d, 0);
  b.writeUInt32LE(16, 4);
  b.writeUInt32LE(dataoff, 8);
  b.writeUInt32LE(datasize, 12);
  return b;
}

const roundUp = (n: number, to: number): number => Math.ceil(n / to) * to;

export function syntheticMacho(options: SyntheticOptions = {}): Buffer {
  const arch = options.arch ?? 'arm64';
  const page = arch === 'arm64' ? 0x4000 : 0x1000;
  const headerpad = options.headerpad ?? 64;
  const signed = options.signatureSize !== undefined;
  const commandsSize = 72 + (72 + 80) + 72 + (signed ? 16 : 0);
  const textOffset = 32 + commandsSize + headerpad;
  const textSize = options.textSize ?? 0x2345;
  const textFilesize = roundUp(textOffset + textSize, page);
  const linkeditOff = textFilesize;
  const linkeditData = options.linkeditSize ?? 0x1234;
  const signatureOff = linkeditOff + linkeditData;
  const signatureSize = options.signatureSize ?? 0;
  const linkeditFilesize = linkeditData + signatureSize + (options.afterSignature ?? 0);
  const vmRound = options.linkeditVmRound ?? 0;
  const linkeditVmsize = vmRound > 0 ? roundUp(linkeditFilesize, vmRound) : linkeditFilesize;

  const text = segment('__TEXT', 0x100000000n, BigInt(textFilesize), 0, textFilesize, 1);
  const section = text.subarray(72);
  section.write('__text', 0, 'latin1');
  section.write('__TEXT', 16, 'latin1');
  section.writeBigUInt64LE(0x100000000n + BigInt(textOffset), 32);
  section.writeBigUInt64LE(BigInt(textSize), 40);
  section.writeUInt32LE(textOffset, 48);
  section.writeUInt32LE(0x80000400, 64); // S_ATTR_PURE_INSTRUCTIONS | S_ATTR_SOME_INSTRUCTIONS
  const linkedit = segment(
    '__LINKEDIT',
    0x100000000n + BigInt(textFilesize),
    BigInt(linkeditVmsize),
    linkeditOff,
    linkeditFilesize,
    0,
  );
  const signatureCommand = signed ? [codeSignatureCommand(signatureOff, signatureSize)] : [];
  const commands = [
    segment('__PAGEZERO', 0n, 0x100000000n, 0, 0, 0),
    text,
    ...(options.signatureCommandFirst ? [...signatureCommand, linkedit] : [linkedit, ...signatureCommand]),
  ];

  const file = Buffer.alloc(linkeditOff + linkeditFilesize);
  file.writeUInt32LE(0xfeedfacf, 0);
  file.writeUInt32LE(CPU[arch], 4);
  file.writeUInt32LE(options.fileType ?? 0x2, 12);
  file.writeUInt32LE(commands.length, 16);
  file.writeUInt32LE(commandsSize, 20);
  Buffer.concat(commands).copy(file, 32);
  for (let i = textOffset; i < file.length; i++) file[i] = (i * 7 + 3) & 0xff; // contents to hash
  if (signed) file.fill(0xee, signatureOff, signatureOff + signatureSize);
  return file;
}
