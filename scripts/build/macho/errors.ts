// One error type for the signer, with stable codes the CLI prints and the tests assert on.

export type MachoErrorCode =
  | 'MACHO_TRUNCATED'
  | 'MACHO_NOT_THIN_64'
  | 'MACHO_UNSUPPORTED_CPU'
  | 'MACHO_BAD_LOAD_COMMAND'
  | 'MACHO_NO_LINKEDIT'
  | 'MACHO_NO_TEXT'
  | 'MACHO_SIGNATURE_NOT_LAST'
  | 'MACHO_TRAILING_DATA'
  | 'MACHO_NO_ROOM'
  | 'MACHO_TOO_LARGE'
  | 'MACHO_BAD_FAT';

export class MachoError extends Error {
  readonly code: MachoErrorCode;

  constructor(code: MachoErrorCode, message: string) {
    super(`${code}: ${message}`);
    this.name = 'MachoError';
    this.code = code;
  }
}
