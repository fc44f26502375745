// The layout `dscl . -read <record> [attributes]` prints, shared by the dscl parsers:
//   Key: v1 v2 v3            single-line form: values separated by single spaces
//   Key:                     multi-line form (used when a value contains a space):
//    value one               one value per line, each starting with a space
//   No such key: Key         the attribute is absent from the record
//   <dscl_cmd> DS Error: -14136 (eDSRecordNotFound)    the read failed (may be preceded by
//   <main> attribute status: eDSPermissionError         a status line)
// Keys may contain ':' (dsAttrTypeNative:record_daemon_version: 4890000).
// Carrier: stdout (values) and, for DS Error lines only, stderr; any other stderr line is stray
// (the noise policy of result.ts).
import type { CommandOutput, ProbeError } from './result.ts';
import type { NumberedLine } from './output-lines.ts';
import { excerpt } from './excerpt.ts';
import { numberedLines, problem, unrecognised } from './output-lines.ts';

export interface DsRecord {
  /** Attribute name -> its values (split on spaces in the single-line form, one per line otherwise). */
  attributes: Map<string, string[]>;
  /** Attributes dscl reported as `No such key: X`. */
  missing: Set<string>;
  /** DS Error lines (from either stream): the read failed. */
  dsErrors: ProbeError[];
  /** Unrecognised stdout lines. */
  errors: ProbeError[];
  /** Unrecognised stderr lines (outside the answer). */
  stray: ProbeError[];
}

const DS_ERROR = /DS Error: (-?\d+) \(([^)]*)\)/;
const ATTRIBUTE_STATUS = /^<\w+> attribute status: \w+$/;

function readLines(lines: NumberedLine[], stream: 'stdout' | 'stderr', rec: DsRecord): void {
  let current: string[] | null = null; // values of a multi-line attribute being read
  for (const line of lines) {
    const ds = DS_ERROR.exec(line.text);
    if (ds) {
      rec.dsErrors.push(problem.tool(`DS Error: ${ds[1]} (${excerpt(ds[2] ?? '')})`));
      current = null;
      continue;
    }
    if (ATTRIBUTE_STATUS.test(line.text)) continue; // precedes a DS Error line
    if (line.text.startsWith(' ') && current) {
      current.push(line.text.trim());
      continue;
    }
    const nsk = /^No such key: (\S+)$/.exec(line.text);
    if (nsk) {
      rec.missing.add(nsk[1] ?? '');
      current = null;
      continue;
    }
    // Attributes are read from stdout only. A key has no brackets: `objc[14061]: Class X is implemented
    // in both ...` (an Objective-C runtime warning) is not an attribute.
    const kv = stream === 'stdout' ? /^([^\s[\]]+?):(?: (.*))?$/.exec(line.text) : null;
    if (!kv) {
      (stream === 'stdout' ? rec.errors : rec.stray).push(unrecognised(line, stream));
      current = null;
      continue;
    }
    const values = kv[2] === undefined ? [] : kv[2].split(' ').filter((v) => v !== '');
    rec.attributes.set(kv[1] ?? '', values);
    current = kv[2] === undefined ? values : null;
  }
}

/** Reads both streams: dscl prints values on stdout and DS errors on stderr (searched on both). */
export function readDsRecord(out: CommandOutput): DsRecord {
  const rec: DsRecord = { attributes: new Map(), missing: new Set(), dsErrors: [], errors: [], stray: [] };
  readLines(numberedLines(out.stdout), 'stdout', rec);
  readLines(numberedLines(out.stderr), 'stderr', rec);
  return rec;
}
