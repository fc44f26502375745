// A page for what went wrong: a status, what happened, and where to go.
import type { PageAssets } from '../html/document.ts';
import { markup } from '../html/escape.ts';
import { dashboardPage } from './layout.ts';

export function errorPage(
  error: { status: number; title: string; message: string },
  assets: PageAssets,
  sessionEnds: string | null,
): string {
  const body = markup`<h1>${error.title}</h1><p class="alert" role="alert">${error.message}</p><p><a href="/">Back to the summary</a></p>`;
  return dashboardPage({ title: error.title, assets, section: null, sessionEnds }, body);
}
