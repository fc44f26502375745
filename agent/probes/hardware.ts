// /usr/sbin/system_profiler SPHardwareDataType -json (the text form is read too: same facts, other keys).
// Apple silicon or Intel: chip_type "Apple ..." (Chip: in text) means Apple silicon; cpu_type /
// "Processor Name" naming Intel means Intel. chip_type "Unknown" (seen in VMs) tells nothing: null + error.
// Carrier: stdout (noise policy: result.ts).
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import { excerpt } from './excerpt.ts';
import { exitError, numberedLines, problem, settle, strayLines, unrecognised } from './output-lines.ts';

export interface Hardware {
  serial: string | null;
  /** platform_UUID / "Hardware UUID" (IOPlatformUUID), as printed. */
  hardwareUuid: string | null;
  /** machine_model / "Model Identifier", e.g. Mac14,7. */
  model: string | null;
  appleSilicon: boolean | null;
}

function architecture(chip: string | null, cpu: string | null): boolean | null {
  if (chip !== null && /^Apple\b/.test(chip)) return true;
  if (cpu !== null && /\bIntel\b/i.test(cpu)) return false;
  if (chip !== null && /\bIntel\b/i.test(chip)) return false;
  return null;
}

function finish(h: Hardware, chip: string | null, cpu: string | null, errors: ProbeError[]): Hardware {
  h.appleSilicon = architecture(chip, cpu);
  if (h.appleSilicon === null) {
    const message =
      `cannot tell Apple silicon from Intel (chip_type ${chip === null ? 'absent' : `"${excerpt(chip)}"`}, ` +
      `cpu_type ${cpu === null ? 'absent' : `"${excerpt(cpu)}"`})`;
    errors.push(chip === null && cpu === null ? problem.missing(message) : problem.unreadable(message));
  }
  if (h.serial === null) errors.push(problem.missing('no serial number'));
  if (h.hardwareUuid === null) errors.push(problem.missing('no hardware UUID'));
  if (h.model === null) errors.push(problem.missing('no model identifier'));
  return h;
}

const str = (v: unknown): string | null => (typeof v === 'string' && v.trim() !== '' ? v.trim() : null);

function parseJson(text: string, errors: ProbeError[]): Hardware | null {
  let doc: unknown;
  try {
    doc = JSON.parse(text);
  } catch (e) {
    errors.push(problem.unreadable(`stdout is not valid JSON: ${excerpt((e as Error).message)}`));
    return null;
  }
  const list = (doc as { SPHardwareDataType?: unknown } | null)?.SPHardwareDataType;
  const item = Array.isArray(list) ? (list[0] as Record<string, unknown> | undefined) : undefined;
  if (!item || typeof item !== 'object') {
    errors.push(problem.unreadable('JSON has no SPHardwareDataType[0] object'));
    return null;
  }
  const h: Hardware = {
    serial: str(item['serial_number']),
    hardwareUuid: str(item['platform_UUID']),
    model: str(item['machine_model']),
    appleSilicon: null,
  };
  return finish(h, str(item['chip_type']), str(item['cpu_type']) ?? str(item['processor_name']), errors);
}

const TEXT_KEYS: Record<string, 'serial' | 'hardwareUuid' | 'model' | 'chip' | 'cpu'> = {
  'Serial Number (system)': 'serial',
  'Hardware UUID': 'hardwareUuid',
  'Model Identifier': 'model',
  Chip: 'chip',
  'Processor Name': 'cpu',
};

function parseText(text: string, errors: ProbeError[]): Hardware | null {
  const h: Hardware = { serial: null, hardwareUuid: null, model: null, appleSilicon: null };
  let chip: string | null = null;
  let cpu: string | null = null;
  let facts = 0;
  for (const line of numberedLines(text)) {
    const t = line.text.trim();
    if (t === 'Hardware:' || t === 'Hardware Overview:') continue;
    const m = /^([A-Za-z0-9][^:]*):\s+(\S.*)$/.exec(t);
    if (!m) {
      errors.push(unrecognised(line));
      continue;
    }
    const key = TEXT_KEYS[m[1] ?? ''];
    if (key === undefined) continue; // other hardware facts (memory, firmware...) are not used
    facts++;
    if (key === 'chip') chip = m[2] ?? '';
    else if (key === 'cpu') cpu = m[2] ?? '';
    else h[key] = m[2] ?? '';
  }
  return facts > 0 ? finish(h, chip, cpu, errors) : null;
}

export function parseHardware(out: CommandOutput): ParseResult<Hardware> {
  const stray = strayLines(out, 'stderr');
  const errors: ProbeError[] = [...stray];
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  const text = out.stdout.trim();
  if (text === '') {
    if (!exit) errors.push(problem.missing('no output'));
    return settle(null, errors, stray);
  }
  const value = text.startsWith('{') ? parseJson(text, errors) : parseText(out.stdout, errors);
  return settle(value, errors, stray);
}
