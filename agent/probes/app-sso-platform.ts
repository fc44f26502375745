// /usr/bin/app-sso platform -s (macOS 13+): Platform SSO state as seen by the user it runs as. Sections,
// each a header line then ` (null)` or a pretty-printed JSON object whose closing `}` is alone at
// column 0 (nested objects are indented):
//   Time: 2025-06-18 20:23:40 +0000
//   Device Configuration:
//    { ... "extensionIdentifier" : "...", "loginType" : "...", "registrationCompleted" : true, ... }
//   Login Configuration:
//    (null)
//   User Configuration:
//    { ... "state" : "POUserStateNormal (0)", ... }
//   SSO Tokens:                         (only when the user has tokens)
//   Received:
//   2025-06-18T20:22:55Z
//   Expiration:
//   2025-07-02T20:22:54Z (Not Expired)
// Device Configuration is the Mac's (Fleet's samples show the same block for a registered and an
// unregistered user); User Configuration is the calling user's, so it is run as the user whose
// registration is wanted (run as root, the user part is root's).
// The JSON holds key material and tokens' metadata (`_deviceEncryptionKeyData`, `_sepKeyData`,
// certificates): only the fields below are read, and no message ever quotes a value or JSON.parse's
// error text (V8 quotes the input around the error).
// Carrier: stdout. A stderr line beside an answer read in full is unrelated (the noise policy of result.ts).
import type { CommandOutput, ParseResult, ProbeError } from './result.ts';
import type { NumberedLine } from './output-lines.ts';
import { exitError, numberedLines, problem, settle, strayLines, unrecognised } from './output-lines.ts';

export interface PlatformSsoState {
  /** Device Configuration is not (null): a Platform SSO payload is installed and the Mac set up for it. */
  deviceConfigured: boolean;
  /** Device Configuration's registrationCompleted: the Mac is registered with the identity provider. */
  deviceRegistered: boolean | null;
  /** The SSO extension's bundle identifier (e.g. com.microsoft.CompanyPortalMac.ssoextension); null: not printed. */
  extensionIdentifier: string | null;
  /** Device Configuration's loginType as printed, e.g. "POLoginTypeUserSecureEnclaveKey (2)"; null: not printed. */
  loginType: string | null;
  /** User Configuration is not (null): the user app-sso ran as has registered. */
  userRegistered: boolean;
  /** User Configuration's state as printed, e.g. "POUserStateNormal (0)"; null: not registered or not printed. */
  userState: string | null;
}

const SECTIONS = ['Device Configuration', 'Login Configuration', 'User Configuration'] as const;
type Section = (typeof SECTIONS)[number];
type Body = Record<string, unknown> | null;

const TIME = /^Time: \d{4}-\d{2}-\d{2} \d{2}:\d{2}:\d{2} [+-]\d{4}$/;
const HEADER = /^(Device Configuration|Login Configuration|User Configuration|SSO Tokens):$/;
const ISO = String.raw`\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}Z`;
const TOKEN_LINES = [
  /^Received:$/,
  /^Expiration:$/,
  new RegExp(`^${ISO}$`),
  new RegExp(`^${ISO} \\(Not Expired\\)$`),
];

interface Reading {
  bodies: Map<Section, Body>;
  /** Sections already reported as unreadable (not reported again as missing). */
  broken: Set<Section>;
  errors: ProbeError[];
}

/** Reads one section body starting at lines[i] (the line after the header); returns the next index. */
function readBody(
  section: Section,
  header: NumberedLine,
  lines: NumberedLine[],
  i: number,
  rd: Reading,
): number {
  const first = lines[i];
  if (first?.text === ' (null)') {
    rd.bodies.set(section, null);
    return i + 1;
  }
  if (first?.text !== ' {') {
    rd.errors.push(
      problem.unreadable(`${section} (line ${header.no}): neither (null) nor a JSON object follows`),
    );
    rd.broken.add(section);
    return i;
  }
  const end = lines.findIndex((l, k) => k > i && l.text === '}');
  if (end < 0) {
    rd.errors.push(
      problem.unreadable(`${section} (line ${header.no}): the JSON object has no closing } line`),
    );
    rd.broken.add(section);
    return lines.length;
  }
  const json = ['{', ...lines.slice(i + 1, end + 1).map((l) => l.text)].join('\n');
  let body: unknown;
  try {
    body = JSON.parse(json);
  } catch {
    body = undefined;
  }
  if (body === null || typeof body !== 'object' || Array.isArray(body)) {
    rd.errors.push(problem.unreadable(`${section} (line ${header.no}): not a valid JSON object`));
    rd.broken.add(section);
  } else {
    rd.bodies.set(section, body as Record<string, unknown>);
  }
  return end + 1;
}

function read(stdout: string): Reading {
  const rd: Reading = { bodies: new Map(), broken: new Set(), errors: [] };
  const lines = numberedLines(stdout);
  let inTokens = false;
  let i = 0;
  while (i < lines.length) {
    const line = lines[i] as NumberedLine;
    const header = HEADER.exec(line.text);
    if (header) {
      const name = header[1] as Section | 'SSO Tokens';
      inTokens = name === 'SSO Tokens';
      if (name !== 'SSO Tokens' && (rd.bodies.has(name) || rd.broken.has(name))) {
        rd.errors.push(problem.conflict(`line ${line.no}: ${name} printed twice`));
        rd.broken.add(name);
      }
      i = name === 'SSO Tokens' ? i + 1 : readBody(name, line, lines, i + 1, rd);
      continue;
    }
    const known = TIME.test(line.text) || (inTokens && TOKEN_LINES.some((re) => re.test(line.text)));
    if (!known) rd.errors.push(unrecognised(line));
    i++;
  }
  return rd;
}

/** A string field of a body; null when not printed; null with an error when it is not a string. */
function text(
  body: Record<string, unknown>,
  key: string,
  section: Section,
  errors: ProbeError[],
): string | null {
  const v = body[key];
  if (typeof v === 'string') return v;
  if (v !== undefined) errors.push(problem.unreadable(`${section}: ${key} is not a string`));
  return null;
}

export function parsePlatformSsoState(out: CommandOutput): ParseResult<PlatformSsoState> {
  const rd = read(out.stdout);
  const errors = rd.errors;
  const stray = strayLines(out, 'stderr');
  errors.push(...stray);
  const exit = exitError(out, errors);
  if (exit) errors.push(exit);
  for (const s of SECTIONS)
    if (!rd.bodies.has(s) && !rd.broken.has(s)) errors.push(problem.missing(`no ${s} section`));
  const usable = (s: Section) => (rd.broken.has(s) ? undefined : rd.bodies.get(s));
  const device = usable('Device Configuration');
  const user = usable('User Configuration');
  if (exit || device === undefined || user === undefined) return settle(null, errors, stray);
  const value: PlatformSsoState = {
    deviceConfigured: device !== null,
    deviceRegistered: null,
    extensionIdentifier: null,
    loginType: null,
    userRegistered: user !== null,
    userState: null,
  };
  if (device) {
    const completed = device['registrationCompleted'];
    if (typeof completed === 'boolean') value.deviceRegistered = completed;
    else
      errors.push(
        completed === undefined
          ? problem.missing('Device Configuration: registrationCompleted is missing')
          : problem.unreadable('Device Configuration: registrationCompleted is not true or false'),
      );
    value.extensionIdentifier = text(device, 'extensionIdentifier', 'Device Configuration', errors);
    value.loginType = text(device, 'loginType', 'Device Configuration', errors);
  }
  if (user) value.userState = text(user, 'state', 'User Configuration', errors);
  return settle(value, errors, stray, errors.length === stray.length);
}
