// The session cookie: read from the Cookie header, written as Set-Cookie. Only our one cookie is read; its
// attributes are fixed here: HttpOnly (no script reads it), SameSite=Strict (no other site's page sends it),
// Path=/, Secure when the page was served over TLS, where it also takes the __Host- prefix (the browser
// then refuses it without Secure, from another path or for another domain).

export const COOKIE = 'tokenwatch_session';
export const SECURE_COOKIE = `__Host-${COOKIE}`;

/** The value of our session cookie in a Cookie header, or null. */
export function readSessionCookie(header: string | undefined, secure: boolean): string | null {
  if (header === undefined) return null;
  const name = secure ? SECURE_COOKIE : COOKIE;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq < 0) continue;
    if (part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}

/** Set-Cookie for a session id; maxAgeSeconds 0 clears the cookie. */
export function sessionCookie(id: string, maxAgeSeconds: number, secure: boolean): string {
  return [
    `${secure ? SECURE_COOKIE : COOKIE}=${id}`,
    'Path=/',
    `Max-Age=${Math.max(0, Math.floor(maxAgeSeconds))}`,
    'HttpOnly',
    'SameSite=Strict',
    ...(secure ? ['Secure'] : []),
  ].join('; ');
}
