// Pins as admins write them (base64 from the openssl pipeline or HPKP, hex from `openssl dgst -sha256`,
// curl's sha256// form), placeholders and typos refused with the reason, and the pin of a certificate
// computed the same way as an independent implementation (WebCrypto's SPKI export).
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { X509Certificate } from 'node:crypto';
import { parsePin, spkiPin } from '../../../agent/upload/pin.ts';
import { selfSigned } from '../../helpers/certificates.ts';

const HEX = '3f1a9c0b77e25d48a1c60e93b42fd8716a05eec9148b53f027da69bc318ea407';
const BASE64 = Buffer.from(HEX, 'hex').toString('base64');

test('base64, hex, colon pairs and the curl/HPKP spellings all read as the same pin', () => {
  const colons = (HEX.toUpperCase().match(/../g) ?? []).join(':');
  for (const text of [
    BASE64,
    ` ${BASE64}\n`,
    HEX,
    HEX.toUpperCase(),
    colons,
    `sha256//${BASE64}`,
    `pin-sha256="${BASE64}"`,
  ]) {
    assert.deepEqual(parsePin(text), { ok: true, pin: BASE64 }, JSON.stringify(text));
  }
});

test('placeholders and malformed pins are refused with a reason', () => {
  const cases: [string, RegExp][] = [
    ['REPLACE-ME-with-the-pin-of-the-collector-public-key', /placeholder/],
    ['replace_me', /placeholder/],
    [HEX.slice(0, 62), /not a SHA-256 pin/],
    [`${HEX}00`, /not a SHA-256 pin/],
    [BASE64.slice(0, 43), /not a SHA-256 pin/],
    [BASE64.replace('=', 'A'), /not a SHA-256 pin/],
    // Non-canonical base64 (the last character's spare bits set) is a typo, not another spelling.
    [`${BASE64.slice(0, 42)}Z=`, /not a SHA-256 pin/],
    ['', /not a SHA-256 pin/],
  ];
  for (const [text, reason] of cases) {
    const parsed = parsePin(text);
    assert.equal(parsed.ok, false, text);
    if (!parsed.ok) assert.match(parsed.reason, reason, text);
  }
});

test("a certificate's pin is the SHA-256 of its SubjectPublicKeyInfo, as WebCrypto exports it", async () => {
  const cert = await selfSigned();
  const pin = spkiPin(new X509Certificate(cert.cert));
  assert.equal(pin, Buffer.from(cert.spkiSha256, 'hex').toString('base64'));
  assert.notEqual(pin, Buffer.from(cert.certSha256, 'hex').toString('base64'));
});
