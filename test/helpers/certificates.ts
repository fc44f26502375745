// X.509 certificates for the TLS tests, made in process with @peculiar/x509 over node:crypto's WebCrypto
// (no openssl on the machine needed): a self-signed server certificate, a CA and the leaves it issues,
// and the pieces a forged chain is made of (a leaf that copies another certificate's subject and key
// identifiers but is signed by a different CA).
import 'reflect-metadata';
import * as x509 from '@peculiar/x509';
import { createHash, randomBytes, webcrypto } from 'node:crypto';

x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);

type CryptoKeyPair = webcrypto.CryptoKeyPair;

const ALG = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;
const HOUR = 3_600_000;

export interface Issued {
  /** PEM of the certificate. */
  cert: string;
  /** PEM (PKCS#8) of its private key. */
  key: string;
  /** The certificate itself, to issue from or to copy from. */
  x509: x509.X509Certificate;
  keys: CryptoKeyPair;
  /** SHA-256 of the certificate's DER, hex. */
  certSha256: string;
  /** SHA-256 of the certificate's SubjectPublicKeyInfo (DER), hex: what an SPKI pin holds. */
  spkiSha256: string;
}

export interface LeafOptions {
  /** Distinguished name, as `CN=...`. Default `CN=localhost`. */
  subject?: string;
  /** subjectAltName entries. Default IP 127.0.0.1 and DNS localhost. */
  altNames?: { type: 'ip' | 'dns'; value: string }[];
  /** The subject key identifier to write (hex); default: SHA-1 of the key, as usual. */
  subjectKeyId?: string;
  /** Reuse this key pair instead of making one. */
  keys?: CryptoKeyPair;
  notBefore?: Date;
  notAfter?: Date;
  /**
   * Write the extensions `openssl req -x509` writes by default (basicConstraints CA:TRUE, no key usage):
   * a self-signed server certificate that may also sign certificates, as many hand-made collectors have.
   */
  opensslDefaults?: boolean;
}

export interface CaOptions {
  /** The subject key identifier to write (hex); default: SHA-1 of the key. */
  subjectKeyId?: string;
}

const pem = (label: string, der: ArrayBuffer) =>
  `-----BEGIN ${label}-----\n${(
    Buffer.from(der)
      .toString('base64')
      .match(/.{1,64}/g) ?? []
  ).join('\n')}\n-----END ${label}-----\n`;

async function finish(cert: x509.X509Certificate, keys: CryptoKeyPair): Promise<Issued> {
  const spki = await webcrypto.subtle.exportKey('spki', keys.publicKey);
  return {
    cert: cert.toString('pem') + '\n',
    key: pem('PRIVATE KEY', await webcrypto.subtle.exportKey('pkcs8', keys.privateKey)),
    x509: cert,
    keys,
    certSha256: createHash('sha256').update(Buffer.from(cert.rawData)).digest('hex'),
    spkiSha256: createHash('sha256').update(Buffer.from(spki)).digest('hex'),
  };
}

const newKeys = () => webcrypto.subtle.generateKey(ALG, true, ['sign', 'verify']) as Promise<CryptoKeyPair>;
const serial = () =>
  randomBytes(8)
    .toString('hex')
    .replace(/^[89a-f]/, '1');

async function extensionsFor(o: LeafOptions, keys: CryptoKeyPair, ca: boolean, issuer?: Issued) {
  const exts: x509.Extension[] = [
    new x509.BasicConstraintsExtension(ca || o.opensslDefaults === true, undefined, true),
    o.subjectKeyId !== undefined
      ? new x509.SubjectKeyIdentifierExtension(o.subjectKeyId)
      : await x509.SubjectKeyIdentifierExtension.create(keys.publicKey),
  ];
  if (o.opensslDefaults !== true) {
    exts.push(
      new x509.KeyUsagesExtension(
        ca
          ? x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign
          : x509.KeyUsageFlags.digitalSignature,
        true,
      ),
    );
  }
  if (!ca) {
    exts.push(
      new x509.SubjectAlternativeNameExtension(
        o.altNames ?? [
          { type: 'ip', value: '127.0.0.1' },
          { type: 'dns', value: 'localhost' },
        ],
      ),
    );
    if (o.opensslDefaults !== true)
      exts.push(new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]));
  }
  if (issuer !== undefined) {
    const ski = issuer.x509.getExtension(x509.SubjectKeyIdentifierExtension);
    if (ski) exts.push(new x509.AuthorityKeyIdentifierExtension(ski.keyId));
  }
  return exts;
}

/** A self-signed server certificate (not a CA), for 127.0.0.1 and localhost unless told otherwise. */
export async function selfSigned(o: LeafOptions = {}): Promise<Issued> {
  const keys = o.keys ?? (await newKeys());
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name: o.subject ?? 'CN=localhost',
    notBefore: o.notBefore ?? new Date(Date.now() - HOUR),
    notAfter: o.notAfter ?? new Date(Date.now() + 48 * HOUR),
    keys,
    signingAlgorithm: ALG,
    extensions: await extensionsFor(o, keys, false),
  });
  return finish(cert, keys);
}

/** A self-signed CA certificate. */
export async function certificateAuthority(
  name = 'CN=tokenwatch test CA',
  o: CaOptions = {},
): Promise<Issued> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    name,
    notBefore: new Date(Date.now() - HOUR),
    notAfter: new Date(Date.now() + 48 * HOUR),
    keys,
    signingAlgorithm: ALG,
    extensions: await extensionsFor(o, keys, true),
  });
  return finish(cert, keys);
}

/** An intermediate CA certificate issued (signed) by `ca`. */
export async function intermediate(ca: Issued, name = 'CN=tokenwatch test intermediate CA'): Promise<Issued> {
  const keys = await newKeys();
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: name,
    issuer: ca.x509.subject,
    notBefore: new Date(Date.now() - HOUR),
    notAfter: new Date(Date.now() + 48 * HOUR),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    extensions: await extensionsFor({}, keys, true, ca),
  });
  return finish(cert, keys);
}

/** A server certificate issued (signed) by `ca`. */
export async function issue(ca: Issued, o: LeafOptions = {}): Promise<Issued> {
  const keys = o.keys ?? (await newKeys());
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: o.subject ?? 'CN=localhost',
    issuer: ca.x509.subject,
    notBefore: o.notBefore ?? new Date(Date.now() - HOUR),
    notAfter: o.notAfter ?? new Date(Date.now() + 48 * HOUR),
    publicKey: keys.publicKey,
    signingKey: ca.keys.privateKey,
    signingAlgorithm: ALG,
    extensions: await extensionsFor(o, keys, false, ca),
  });
  return finish(cert, keys);
}

/** The subject key identifier of a certificate, hex (for copying into a forgery). */
export function subjectKeyId(cert: Issued): string {
  const ext = cert.x509.getExtension(x509.SubjectKeyIdentifierExtension);
  if (!ext) throw new Error('the certificate has no subject key identifier');
  return ext.keyId;
}

/**
 * The chain trick: a leaf for `o.altNames` (default 127.0.0.1 and localhost) that names `genuine` as its
 * issuer (issuer DN = genuine's subject, authority key identifier = genuine's subject key identifier)
 * and copies genuine's subject and subject key identifier, but is signed by a fake CA's key. Presented
 * as [forged leaf, genuine], a client that links a chain by names and key identifiers instead of
 * signatures finds `genuine` above the forged leaf. `genuine` must be allowed to sign certificates (a
 * CA, or a self-signed certificate made with `opensslDefaults`).
 */
export async function forgedLeaf(genuine: Issued, o: LeafOptions = {}): Promise<Issued> {
  const fakeCa = await certificateAuthority(genuine.x509.subject, { subjectKeyId: subjectKeyId(genuine) });
  return issue(fakeCa, { subject: genuine.x509.subject, subjectKeyId: subjectKeyId(genuine), ...o });
}
