// ANSI colours for the terminal report. Callers pad the plain text first, then paint it.
import type { DeviceStatus, Severity } from '../../collector/rules/index.ts';

const CODES = { red: 31, green: 32, yellow: 33, bold: 1, dim: 2 } as const;
export type Paint = keyof typeof CODES;

export function paint(text: string, styles: readonly Paint[], enabled: boolean): string {
  if (!enabled || styles.length === 0 || text === '') return text;
  return `\u001b[${styles.map((s) => CODES[s]).join(';')}m${text}\u001b[0m`;
}

export const STATUS_PAINT: Record<DeviceStatus, readonly Paint[]> = {
  noncompliant: ['red', 'bold'],
  unknown: ['yellow'],
  compliant: ['green'],
};

export const SEVERITY_PAINT: Record<Severity, readonly Paint[]> = {
  critical: ['red', 'bold'],
  high: ['red'],
  medium: ['yellow'],
  low: [],
  info: ['dim'],
};
