// `tokenwatch pin --cert FILE`: the agents' PinSHA256 for a certificate's public key, the SHA-256 of its
// SubjectPublicKeyInfo (DER) as HPKP wrote it (base64), and in hex. For every certificate in the file,
// so a chain file (leaf, then intermediates) shows each key an admin may pin. The same value as
//   openssl x509 -in FILE -pubkey -noout | openssl pkey -pubin -outform DER | openssl dgst -sha256 -binary | base64
import { createHash, X509Certificate } from 'node:crypto';
import { readFileSync } from 'node:fs';
import { parseArgs } from 'node:util';

export interface CertificatePin {
  subject: string;
  /** Whether the certificate may sign others (a CA): pinning it accepts any leaf it signs. */
  ca: boolean;
  validTo: string;
  base64: string;
  hex: string;
}

const PEM_BLOCK = /-----BEGIN CERTIFICATE-----[^-]+-----END CERTIFICATE-----/g;

/** Every certificate in a PEM text, in order; throws with the reason when there is none or one is unreadable. */
export function pinsOfPem(pem: string): CertificatePin[] {
  const blocks = pem.match(PEM_BLOCK) ?? [];
  if (blocks.length === 0) throw new Error('no PEM certificate (-----BEGIN CERTIFICATE-----) in the file');
  return blocks.map((block, i) => {
    let cert: X509Certificate;
    try {
      cert = new X509Certificate(block);
    } catch (err) {
      throw new Error(`certificate ${i + 1} in the file cannot be read: ${(err as Error).message}`);
    }
    const digest = createHash('sha256')
      .update(cert.publicKey.export({ type: 'spki', format: 'der' }))
      .digest();
    return {
      subject: cert.subject.replaceAll('\n', ', '),
      ca: cert.ca,
      validTo: cert.validToDate.toISOString(),
      base64: digest.toString('base64'),
      hex: digest.toString('hex'),
    };
  });
}

export function renderPins(pins: CertificatePin[]): string {
  const lines: string[] = [];
  for (const [i, p] of pins.entries()) {
    if (i > 0) lines.push('');
    const role = i === 0 ? 'the server' : p.ca ? 'a CA above it' : 'another certificate';
    lines.push(
      `certificate ${i + 1} (${role}): ${p.subject}${p.ca ? ' [CA]' : ''}, valid to ${p.validTo}`,
      `  PinSHA256 (base64)  ${p.base64}`,
      `  PinSHA256 (hex)     ${p.hex}`,
    );
  }
  lines.push(
    '',
    "Put the base64 value in the agents' PinSHA256 (a list: add the pin of a backup key too).",
    "Pin the key the Macs see: behind a reverse proxy, the proxy's certificate, not the collector's.",
  );
  return `${lines.join('\n')}\n`;
}

export function pinCommand(argv: string[], out: (s: string) => void, err: (s: string) => void): number {
  let cert: string | undefined;
  try {
    const { values } = parseArgs({ args: argv, options: { cert: { type: 'string' } }, strict: true });
    cert = values.cert;
  } catch (e) {
    err(`tokenwatch pin: ${(e as Error).message}\nusage: tokenwatch pin --cert FILE\n`);
    return 2;
  }
  if (cert === undefined) {
    err('tokenwatch pin: --cert FILE is required (a PEM certificate, or a chain file)\n');
    return 2;
  }
  try {
    out(renderPins(pinsOfPem(readFileSync(cert, 'utf8'))));
    return 0;
  } catch (e) {
    err(`tokenwatch pin: ${cert}: ${(e as Error).message}\n`);
    return 1;
  }
}
