// The headers every dashboard answer carries. The policy allows scripts and styles only from the collector
// itself (the files under /assets/: no inline script, no inline style, no eval), nothing else fetched, no
// form posted elsewhere, and no framing; the pages are never cached (they hold the fleet's state), the
// assets are cached for good (their names change with their content). Referrer-Policy is same-origin, not
// no-referrer: under no-referrer a browser sends `Origin: null` with a form's POST, and the sign-in's
// same-origin check reads the Origin.

export const CONTENT_SECURITY_POLICY = [
  "default-src 'none'",
  "script-src 'self'",
  "style-src 'self'",
  "img-src 'self' data:",
  "connect-src 'none'",
  "form-action 'self'",
  "frame-ancestors 'none'",
  "base-uri 'none'",
].join('; ');

export const SECURITY_HEADERS: Readonly<Record<string, string>> = {
  'content-security-policy': CONTENT_SECURITY_POLICY,
  'x-content-type-options': 'nosniff',
  'x-frame-options': 'DENY',
  'referrer-policy': 'same-origin',
  'cross-origin-opener-policy': 'same-origin',
  'cross-origin-resource-policy': 'same-origin',
  'permissions-policy': 'camera=(), microphone=(), geolocation=()',
};

export const PAGE_CACHE = 'no-store';
export const ASSET_CACHE = 'public, max-age=31536000, immutable';
