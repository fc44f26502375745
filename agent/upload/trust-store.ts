// The certificates that verify the collector when no pin is set: Node's bundled list (Mozilla's roots)
// and the operating system's store, as Node's --use-system-ca does. On macOS the system store is the
// keychains' trusted certificates, where a certificate payload installed by the MDM puts an
// organisation's own CA; on Linux it is OpenSSL's default file and directory (SSL_CERT_FILE and
// SSL_CERT_DIR move them). Read once per process: the system store is read through the Security
// framework on macOS, which takes tens of milliseconds.
import tls from 'node:tls';

let cached: readonly string[] | null = null;

/** Every certificate the agent trusts without pins, bundled first, duplicates removed. */
export function trustedCertificates(): readonly string[] {
  cached ??= [...new Set([...tls.getCACertificates('bundled'), ...tls.getCACertificates('system')])];
  return cached;
}
