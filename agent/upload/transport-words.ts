// Why a connection to the collector failed, in words an admin at a terminal acts on, instead of Node's
// or OpenSSL's text (`...:error:0A00010B:SSL routines:tls_validate_record_header:wrong version number:...`).
// The client (client.ts) words every socket and TLS error with it; the uploader prefixes "collector
// unreachable: ", and `status` and `run` show the result.

const UNTRUSTED = new Set([
  'DEPTH_ZERO_SELF_SIGNED_CERT',
  'SELF_SIGNED_CERT_IN_CHAIN',
  'UNABLE_TO_VERIFY_LEAF_SIGNATURE',
  'UNABLE_TO_GET_ISSUER_CERT',
  'UNABLE_TO_GET_ISSUER_CERT_LOCALLY',
]);

/** The certificate the server presented is not one this Mac accepts (not a network failure). */
export function isTrustFailure(err: Error): boolean {
  const code = String((err as { code?: unknown }).code ?? '');
  return (
    UNTRUSTED.has(code) ||
    code === 'CERT_HAS_EXPIRED' ||
    code === 'CERT_NOT_YET_VALID' ||
    code === 'ERR_TLS_CERT_ALTNAME_INVALID'
  );
}

/** One line: what happened at `origin` (scheme://host:port of ServerURL) and what to check. */
export function transportInWords(err: Error, origin: string): string {
  const code = String((err as { code?: unknown }).code ?? '');
  const host = new URL(origin).hostname;
  if (code === 'ERR_SSL_WRONG_VERSION_NUMBER' || /wrong version number/.test(err.message))
    return `${origin} does not answer TLS: ServerURL says https://, but the server there speaks plain HTTP (or another protocol); serve TLS on the collector (tlsCert and tlsKey) or point ServerURL at the TLS proxy's port`;
  if (code === 'ECONNREFUSED')
    return `${origin}: connection refused: nothing listens on that port (the collector is down, or ServerURL names the wrong port)`;
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN')
    return `${origin}: the host name ${host} does not resolve (DNS): check ServerURL and this Mac's network`;
  if (code === 'ETIMEDOUT' || code === 'EHOSTUNREACH' || code === 'ENETUNREACH' || code === 'EHOSTDOWN')
    return `${origin}: no route to the collector (${code === 'ETIMEDOUT' ? 'the connection timed out' : 'host or network unreachable'}): this Mac's network, a firewall or a VPN is in the way`;
  if (code === 'ECONNRESET' || /socket hang up/.test(err.message))
    return `${origin} closed the connection without an answer${origin.startsWith('http:') ? ' (a collector serving HTTPS does this to plain http://: then ServerURL must start with https://)' : ''}`;
  if (UNTRUSTED.has(code))
    return `${origin}'s certificate is not trusted by this Mac (${err.message}): set PinSHA256 to the collector's key pin (tokenwatch pin --cert FILE on the collector), or have it serve a certificate from a CA this Mac trusts`;
  if (code === 'CERT_HAS_EXPIRED')
    return `${origin}'s certificate has expired: renew it on the collector (agents refuse it until then)`;
  if (code === 'CERT_NOT_YET_VALID')
    return `${origin}'s certificate is not valid yet: check this Mac's clock and the certificate's dates`;
  if (code === 'ERR_TLS_CERT_ALTNAME_INVALID')
    return `${origin}'s certificate does not name ${host} (${err.message}): use the host name the certificate names in ServerURL`;
  return `${origin}: ${err.message}`;
}
