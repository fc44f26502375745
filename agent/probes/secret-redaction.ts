// What secret material looks like in a macOS tool's output, removed before any of that output is quoted
// (an error's excerpt of an unrecognised line or of a failing command's first line: excerpt() in
// excerpt.ts). The agent reads states, never secrets; but a verbose, changed or hostile tool can
// print them where the agent expects something else, and that text would otherwise be quoted into the
// snapshot, the cache, the log and the collector. Each rule keeps what says where the secret was:
// - a FileVault personal recovery key: six groups of four letters or digits (`fdesetup enable` prints
//   `Recovery key = 'XXXX-XXXX-XXXX-XXXX-XXXX-XXXX'`);
// - the value after a key or flag naming a password, passphrase, secret, token or key
//   (`PushToken = {...}`, `BootstrapToken: ...`, `password: ...`, `-adminPassword ...`), unless the
//   value only says whether there is one (`FDE_HasPersonalRecoveryKey = 1;`, `Password: *`);
// - binary data as macOS prints it: NSData descriptions (`<068b4535 172f7bd3 ...>`,
//   `bytes = 0x068b4535 172f7bd3 ...`), long hex runs, long base64 runs.
// UUIDs (8-4-4-4-12) and ordinary words are kept.

const REDACTED = '[redacted]';

const RECOVERY_KEY = /[A-Z0-9]{4}(?:-[A-Z0-9]{4}){5}/gi;
const SECRET_WORD = String.raw`[\w.-]*(?:password|passwd|passphrase|secret|token|key)`;
/** `NamedSecret = value` / `named secret: value`: the value, to the end of the line. */
const SECRET_FIELD = new RegExp(String.raw`\b(${SECRET_WORD}["']?[ \t]*[:=][ \t]*)(\S.*)$`, 'gi');
/** Values that say whether there is one, not what it is (`HasPersonalRecoveryKey = 1;`, `Password: *`). */
const FLAG_VALUE = /^["']?(?:[01]|true|false|yes|no|\*|null|\(null\))["']?[;,]?$/i;
/** `-password value`, `--token=value`. */
const SECRET_FLAG = new RegExp(String.raw`(^|\s)(-{1,2}${SECRET_WORD}(?:[ \t]+|=))[^\s-]\S*`, 'gi');
/** Two or more 8-digit hex words (NSData, `bytes = 0x...`), possibly elided with `...`. */
const HEX_WORDS = /\b(?:0x)?[0-9a-f]{8}(?:(?:\s+|\s*\.\.\.\s*)[0-9a-f]{8})+\b/gi;
const HEX_RUN = /\b(?:0x)?[0-9a-f]{24,}\b/gi;
const BASE64_RUN = /[A-Za-z0-9+/]{32,}={0,2}/g;

/** A base64 run that mixes digits, upper and lower case (a path or a word does not). */
const looksEncoded = (run: string) => /\d/.test(run) && /[a-z]/.test(run) && /[A-Z]/.test(run);

/** `text` (one line) without recovery keys, named secrets and binary data. */
export function redactSecrets(text: string): string {
  return text
    .replace(RECOVERY_KEY, REDACTED)
    .replace(SECRET_FIELD, (all, field: string, value: string) =>
      FLAG_VALUE.test(value) ? all : `${field}${REDACTED}`,
    )
    .replace(SECRET_FLAG, `$1$2${REDACTED}`)
    .replace(HEX_WORDS, REDACTED)
    .replace(HEX_RUN, REDACTED)
    .replace(BASE64_RUN, (run) => (looksEncoded(run) ? REDACTED : run));
}
