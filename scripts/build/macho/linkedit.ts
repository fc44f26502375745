// Resizing __LINKEDIT when a signature is added or removed.
import { MachoError } from './errors.ts';
import { SEGMENT_FILESIZE_FIELD, SEGMENT_VMSIZE_FIELD, findSegment } from './macho-file.ts';
import type { MachoFile, Segment } from './macho-file.ts';

export function requireLinkedit(file: MachoFile, fileLength: number): Segment {
  const linkedit = findSegment(file, '__LINKEDIT');
  if (linkedit === undefined) {
    throw new MachoError('MACHO_NO_LINKEDIT', 'no __LINKEDIT segment: the signature must live inside it');
  }
  const last = Math.max(...file.segments.map((segment) => segment.fileoff + segment.filesize));
  if (linkedit.fileoff + linkedit.filesize !== last) {
    throw new MachoError('MACHO_NO_LINKEDIT', '__LINKEDIT is not the last segment in the file');
  }
  if (last > fileLength) {
    throw new MachoError(
      'MACHO_TRUNCATED',
      `__LINKEDIT ends at ${last}, past the end of the file (${fileLength})`,
    );
  }
  return linkedit;
}

/**
 * Set __LINKEDIT's filesize and vmsize in place. A segment whose vmsize equals its filesize (Go's
 * layout) keeps them equal; otherwise vmsize is the filesize rounded up to the page size (ld64's).
 */
export function resizeLinkedit(buf: Buffer, linkedit: Segment, newFilesize: number, pageSize: number): void {
  const exact = linkedit.vmsize === BigInt(linkedit.filesize);
  const page = BigInt(pageSize);
  const size = BigInt(newFilesize);
  const vmsize = exact ? size : ((size + page - 1n) / page) * page;
  buf.writeBigUInt64LE(size, linkedit.commandOffset + SEGMENT_FILESIZE_FIELD);
  buf.writeBigUInt64LE(vmsize, linkedit.commandOffset + SEGMENT_VMSIZE_FIELD);
}
