// The dashboard's frame: the header (navigation, the session's end, sign-out as a POST form: a link could
// be followed by another site), then the page. Stylesheets and scripts are linked from the collector's
// /assets/ (no CDN); the policy that allows only them is a response header (reports/dashboard/headers.ts).
import { htmlDocument } from '../html/document.ts';
import type { PageAssets } from '../html/document.ts';
import { markup } from '../html/escape.ts';
import type { Html } from '../html/escape.ts';
import { when } from '../html/marks.ts';

export const ASSET_BASE = '/assets/';

export type Section = 'summary' | 'devices';

export interface Frame {
  title: string;
  assets: PageAssets;
  /** The navigation entry to mark current; null on pages outside the navigation. */
  section: Section | null;
  /** When the session ends at the latest (ISO 8601); null when signed out. */
  sessionEnds: string | null;
}

const NAV: readonly { section: Section; label: string; href: string }[] = [
  { section: 'summary', label: 'Summary', href: '/' },
  { section: 'devices', label: 'Devices', href: '/devices' },
];

export function dashboardPage(frame: Frame, body: Html): string {
  const signedIn = frame.sessionEnds !== null;
  const nav = signedIn
    ? NAV.map((n) =>
        n.section === frame.section
          ? markup`<a href="${n.href}" aria-current="page">${n.label}</a>`
          : markup`<a href="${n.href}">${n.label}</a>`,
      )
    : [];
  const session = signedIn
    ? markup`<span class="note" title="The session ends then at the latest, or after an idle spell">until ${when(frame.sessionEnds)}</span><form method="post" action="/sign-out"><button type="submit">Sign out</button></form>`
    : '';
  const page = markup`<header class="top"><a class="brand" href="/">tokenwatch</a><nav aria-label="Dashboard">${nav}</nav>${session}</header><main>${body}</main>`;
  return htmlDocument({
    title: `${frame.title} - tokenwatch`,
    assets: frame.assets,
    mode: { kind: 'linked', base: ASSET_BASE },
    body: page,
  });
}
