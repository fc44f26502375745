// The page shell: <!doctype html> to </html>, with the stylesheets and scripts either inlined (the report:
// one file that opens with no network, its Content-Security-Policy in a <meta> naming each inline element
// by its SHA-256, so nothing else can run or style the page even if text escaped its element) or linked
// (the dashboard: the collector serves them and sends the policy as a header).
import { markup, raw } from './escape.ts';
import type { Html } from './escape.ts';

export interface PageAsset {
  /** File name as served: `NAME.HASH.EXT`. */
  name: string;
  kind: 'script' | 'style';
  text: string;
  /** SHA-256 of the UTF-8 text, base64 (the CSP source form). */
  sha256: string;
}

export interface PageAssets {
  /** In the order they run: the chart library first, then the scripts that use it. */
  scripts: readonly PageAsset[];
  styles: readonly PageAsset[];
}

export type AssetMode = { kind: 'inline' } | { kind: 'linked'; base: string };

/** An asset's text where it stands inside its element: it must not end the element early. */
function inlineText(a: PageAsset): Html {
  const end = a.kind === 'script' ? /<\/script|<!--/i : /<\/style/i;
  if (end.test(a.text)) throw new Error(`${a.name} cannot be inlined: it contains ${end.source}`);
  return raw(a.text);
}

/** The report's policy: only the inlined elements, by hash; no network at all. */
export function inlinePolicy(assets: PageAssets): string {
  const sources = (list: readonly PageAsset[]) => list.map((a) => `'sha256-${a.sha256}'`).join(' ');
  return [
    "default-src 'none'",
    `script-src ${sources(assets.scripts)}`,
    `style-src ${sources(assets.styles)}`,
    'img-src data:',
    "base-uri 'none'",
    "form-action 'none'",
  ].join('; ');
}

export function htmlDocument(opts: {
  title: string;
  assets: PageAssets;
  mode: AssetMode;
  body: Html;
}): string {
  const { assets, mode } = opts;
  let head: Html;
  let tail: Html[] = [];
  if (mode.kind === 'inline') {
    const policy = markup`<meta http-equiv="Content-Security-Policy" content="${inlinePolicy(assets)}">`;
    head = markup`${policy}${assets.styles.map((s) => markup`<style>${inlineText(s)}</style>`)}`;
    tail = assets.scripts.map((s) => markup`<script>${inlineText(s)}</script>`);
  } else {
    const links = assets.styles.map((s) => markup`<link rel="stylesheet" href="${mode.base}${s.name}">`);
    const scripts = assets.scripts.map((s) => markup`<script src="${mode.base}${s.name}" defer></script>`);
    head = markup`${links}${scripts}`;
  }
  // The report links nowhere (no-referrer); the dashboard's forms need their Origin sent (same-origin, see
  // reports/dashboard/headers.ts), and an empty icon spares the collector a request for /favicon.ico.
  const served =
    mode.kind === 'inline'
      ? markup`<meta name="referrer" content="no-referrer">`
      : markup`<meta name="referrer" content="same-origin"><link rel="icon" href="data:,">`;
  const meta = markup`<meta charset="utf-8"><meta name="viewport" content="width=device-width, initial-scale=1">${served}`;
  const page = markup`<html lang="en"><head>${meta}<title>${opts.title}</title>${head}</head><body>${opts.body}${tail}</body></html>`;
  return `<!doctype html>\n${page.toString()}\n`;
}
