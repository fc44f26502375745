// The sign-in page: the admin token in a password field, posted (never in a URL), exchanged for a session.
import type { PageAssets } from '../html/document.ts';
import { markup } from '../html/escape.ts';
import { dashboardPage } from './layout.ts';

export interface SignInView {
  /** Where to go after signing in (a path of the dashboard). */
  next: string;
  /** Why the last attempt failed, or why the page is shown (the session ended). */
  message: { tone: 'error' | 'info'; text: string } | null;
}

export function signInPage(view: SignInView, assets: PageAssets): string {
  const message = view.message
    ? markup`<p class="alert${view.message.tone === 'info' ? ' info' : ''}" role="${view.message.tone === 'error' ? 'alert' : 'status'}">${view.message.text}</p>`
    : '';
  const body = markup`<div class="sign-in-box"><h1>Sign in</h1><p class="lede">The fleet's compliance, from this collector.</p>${message}<form class="sign-in" method="post" action="/sign-in"><input type="hidden" name="next" value="${view.next}"><input type="text" name="username" value="admin" autocomplete="username" hidden><label>Admin token<input type="password" name="token" required autocomplete="current-password" autofocus maxlength="512"></label><button class="primary" type="submit">Sign in</button></form><p class="note">The collector's admin token (TOKENWATCH_ADMIN_TOKEN). It is exchanged for a session cookie; it never appears in an address.</p></div>`;
  return dashboardPage({ title: 'Sign in', assets, section: null, sessionEnds: null }, body);
}
