// Public-key pins, as HPKP defined them (RFC 7469 pin-sha256): the SHA-256 of a certificate's
// SubjectPublicKeyInfo (DER), written in base64. A pin names a key, not a certificate, so a renewed
// certificate for the same key keeps matching, and a list of pins (the current key and a backup) makes
// a key rollover a profile update instead of an outage.
//
// checkPinnedChain decides whether a TLS peer is the pinned server. A pin matches only
//   (a) the leaf's own key: the handshake proved the server holds it; or
//   (b) the key of a certificate above the leaf that signed its way down to it: every link, from the
//       leaf up to the pinned certificate, is checked with X509Certificate.verify(issuer.publicKey) and
//       checkIssued. Names and key identifiers alone link nothing (a forged leaf can copy them).
import { createHash, X509Certificate } from 'node:crypto';

/** A pin in its canonical form: base64 of the 32-byte SHA-256, 44 characters. */
export type Pin = string;

export type PinParse = { ok: true; pin: Pin } | { ok: false; reason: string };

const BASE64 = /^[A-Za-z0-9+/]{43}=$/;
const HEX_PLAIN = /^[0-9a-fA-F]{64}$/;
const HEX_COLONS = /^[0-9a-fA-F]{2}(?::[0-9a-fA-F]{2}){31}$/;
/** curl --pinnedpubkey writes `sha256//BASE64`; HPKP headers wrote `pin-sha256="BASE64"`. */
const PREFIXES = [/^sha256\/\//i, /^pin-sha256=/i];
/** What example profiles hold until an admin fills them in. */
const PLACEHOLDER = /^REPLACE[-_ ]?ME/i;

/** Reads one pin: base64 (HPKP form, optionally `sha256//...` as curl writes it) or hex (64 digits, or colon pairs). */
export function parsePin(text: string): PinParse {
  let t = text.trim();
  if (PLACEHOLDER.test(t)) {
    return {
      ok: false,
      reason: `${JSON.stringify(shorten(t))} is a placeholder: put the pin of the collector's public key here (tokenwatch pin --cert FILE)`,
    };
  }
  for (const p of PREFIXES) t = t.replace(p, '');
  t = t.replace(/^"(.*)"$/, '$1');
  if (HEX_PLAIN.test(t) || HEX_COLONS.test(t)) {
    return { ok: true, pin: Buffer.from(t.replaceAll(':', ''), 'hex').toString('base64') };
  }
  if (BASE64.test(t) && Buffer.from(t, 'base64').toString('base64') === t) return { ok: true, pin: t };
  return {
    ok: false,
    reason: `${JSON.stringify(shorten(text))} is not a SHA-256 pin: expected 44 characters of base64 (as \`openssl ... | openssl dgst -sha256 -binary | base64\` prints it) or 64 hex digits (colon pairs allowed)`,
  };
}

function shorten(s: string): string {
  return s.length > 80 ? `${s.slice(0, 80)}...` : s;
}

/** The pin of a certificate's public key. */
export function spkiPin(cert: X509Certificate): Pin {
  const spki = cert.publicKey.export({ type: 'spki', format: 'der' });
  return createHash('sha256').update(spki).digest('base64');
}

export interface PeerCheckInput {
  /** The certificates as the TLS stack handed them over, leaf first (DER). */
  chain: readonly Buffer[];
  pins: readonly Pin[];
  /** The host name (or IP address) in ServerURL. */
  host: string;
  /** tls.checkServerIdentity(host, leaf): an Error when the leaf is not for the host. */
  checkHost: (host: string) => Error | undefined;
  now: Date;
}

/** null when the peer is the pinned server; otherwise why not, as a sentence for the log and `status`. */
export function checkPinnedChain(input: PeerCheckInput): string | null {
  const [leafDer, ...rest] = input.chain;
  if (!leafDer) return 'the server presented no certificate';
  let leaf: X509Certificate;
  try {
    leaf = new X509Certificate(leafDer);
  } catch (err) {
    return `the server's certificate cannot be read: ${(err as Error).message}`;
  }
  const pins = new Set(input.pins);
  const path = pinnedPath(leaf, rest, pins);
  if (path === null) {
    return `the server's public key does not match PinSHA256 (its certificate's key is ${spkiPin(leaf)}; no certificate signed into its chain has a pinned key)`;
  }
  const hostError = input.checkHost(input.host);
  if (hostError) return `the server's certificate is not for ${input.host}: ${hostError.message}`;
  for (const cert of path) {
    const dates = validityProblem(cert, input.now);
    if (dates) return dates;
  }
  return null;
}

/**
 * The certificates from the leaf up to the first one whose key is pinned, each signed by the next; null
 * when no pinned key is reached that way. Stops at the first link whose signature does not verify: what
 * is presented above it is not the leaf's chain, whatever its names say.
 */
function pinnedPath(
  leaf: X509Certificate,
  above: readonly Buffer[],
  pins: Set<Pin>,
): X509Certificate[] | null {
  const path = [leaf];
  if (pins.has(spkiPin(leaf))) return path;
  let current = leaf;
  for (const der of above) {
    let issuer: X509Certificate;
    try {
      issuer = new X509Certificate(der);
    } catch {
      return null;
    }
    if (issuer.raw.equals(current.raw)) return null; // a self-signed root links to itself
    if (!issuer.ca || !current.checkIssued(issuer) || !current.verify(issuer.publicKey)) return null;
    path.push(issuer);
    if (pins.has(spkiPin(issuer))) return path;
    current = issuer;
  }
  return null;
}

function validityProblem(cert: X509Certificate, now: Date): string | null {
  const from = cert.validFromDate;
  const to = cert.validToDate;
  const which = cert.ca
    ? `the CA certificate ${cert.subject.replaceAll('\n', ', ')}`
    : "the server's certificate";
  if (now < from)
    return `${which} is not valid before ${from.toISOString()} (this Mac's clock says ${now.toISOString()})`;
  if (now > to)
    return `${which} expired on ${to.toISOString()} (this Mac's clock says ${now.toISOString()}): renew it on the collector`;
  return null;
}
