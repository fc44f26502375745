// Cross-site request forgery: the session cookie is SameSite=Strict, so a browser does not send it with a
// request another site starts; a state-changing request (sign-in, sign-out) must also say it comes from
// this origin: its Origin header equals the origin the page was served from, or, where a browser sends no
// Origin or `Origin: null` (it does under a no-referrer policy, or from a privacy extension),
// Sec-Fetch-Site says same-origin (a header no page's script can set). A request with neither is refused
// (browsers that send neither predate SameSite as well).

export interface OriginHeaders {
  origin?: string | string[] | undefined;
  'sec-fetch-site'?: string | string[] | undefined;
}

/** `https://host:port` as the browser addressed this server (scheme and Host of the request). */
export function ownOrigin(protocol: string, host: string): string {
  return `${protocol}://${host}`.toLowerCase();
}

/** Why the request is not same-origin, or null when it is. */
export function crossOrigin(headers: OriginHeaders, own: string): string | null {
  const origin = headers.origin;
  if (typeof origin === 'string' && origin !== 'null') {
    return origin.toLowerCase() === own ? null : `the request came from ${origin}, not ${own}`;
  }
  if (Array.isArray(origin)) return 'the request has more than one Origin header';
  const site = headers['sec-fetch-site'];
  if (site === 'same-origin') return null;
  return typeof site === 'string'
    ? `the request came from another site (Sec-Fetch-Site: ${site})`
    : 'the request says neither where it came from (Origin) nor that it is same-origin (Sec-Fetch-Site)';
}
