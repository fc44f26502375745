// How a line of a tool's output is quoted in an error message: short, printable, and never a secret.
import { redactSecrets } from './secret-redaction.ts';

const MAX_EXCERPT = 120;

// Control characters (escape sequences, NUL) never reach a log or a terminal: shown as '?'.
// eslint-disable-next-line no-control-regex
const CONTROL = /[\u0000-\u0008\u000b-\u001f\u007f]/g;

/**
 * A short, secret-free, printable excerpt of a line for an error message: recovery keys, named secrets
 * and binary data (secret-redaction.ts) never reach a snapshot, the cache, a log or the collector.
 */
export function excerpt(text: string): string {
  const clean = redactSecrets(text.trim()).replace(CONTROL, '?');
  return clean.length > MAX_EXCERPT ? `${clean.slice(0, MAX_EXCERPT)}...` : clean;
}
