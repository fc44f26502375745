// Which collector URLs the agent talks to. Pure: settings/load.ts reports these problems (`tokenwatch-agent
// config`), and the client refuses the same URLs, so a setting that slipped past one still stops at the
// other.
//
// Plain http:// exposes the enroll secret, the device token and the snapshot to the network, so it is
// refused unless the collector is on this Mac (loopback: a local test collector or a TLS-terminating proxy
// on the same host) or an admin set AllowInsecureHTTP. A pin over http:// would protect nothing: that
// combination is an error, never a pin silently ignored.

/** True for localhost, 127.0.0.0/8 and ::1 (with or without brackets). */
export function isLoopback(hostname: string): boolean {
  const h = hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h.endsWith('.localhost')) return true;
  if (h === '::1' || h === '0:0:0:0:0:0:0:1') return true;
  const v4 = /^127\.(\d{1,3})\.(\d{1,3})\.(\d{1,3})$/.exec(h);
  return v4 !== null && v4.slice(1).every((n) => Number(n) <= 255);
}

export interface EndpointInput {
  serverUrl: string;
  pinCount: number;
  allowInsecureHttp: boolean;
}

/** Why uploads to this URL are refused, or null. */
export function endpointProblem(input: EndpointInput): string | null {
  if (!URL.canParse(input.serverUrl)) return `ServerURL ${JSON.stringify(input.serverUrl)} is not a URL`;
  const url = new URL(input.serverUrl);
  if (url.protocol === 'https:') return null;
  if (url.protocol !== 'http:') return `ServerURL must be https:// (got ${url.protocol}//)`;
  if (input.pinCount > 0) {
    return `PinSHA256 is set but ServerURL is http://: a pin needs TLS, so uploads are refused; use https:// (or delete PinSHA256 for a loopback collector)`;
  }
  if (isLoopback(url.hostname) || input.allowInsecureHttp) return null;
  return `ServerURL ${url.origin} is plain http:// to another host: the enroll secret, the device token and the snapshots would cross the network unencrypted, so uploads are refused; use https://, or set AllowInsecureHTTP if this network is trusted`;
}
