// Debian's Chromium (package `chromium`, /usr/bin/chromium), driven by playwright-core: never a browser
// playwright downloads. Headless, no sandbox (CI runs as root), nothing phoned home, and a fresh profile in
// a temporary directory each launch, removed at close. Every console message and page error is kept, so a
// test can assert that no Content-Security-Policy violation was logged.
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { chromium } from 'playwright-core';
import type { BrowserContext, ConsoleMessage, Page } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';

export const CHROMIUM_ARGS = [
  '--headless',
  '--no-sandbox',
  '--disable-gpu',
  '--disable-quic',
  '--no-first-run',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
];

export interface Browser {
  context: BrowserContext;
  /** Console messages and page errors of every page opened, in order: `type: text`. */
  messages: string[];
  newPage(): Promise<Page>;
  close(): Promise<void>;
}

export async function launchChromium(opts: { offline?: boolean } = {}): Promise<Browser> {
  const profile = fs.mkdtempSync(path.join(os.tmpdir(), 'tokenwatch-chromium-'));
  const context = await chromium.launchPersistentContext(profile, {
    executablePath: CHROMIUM,
    headless: true,
    args: CHROMIUM_ARGS,
    viewport: { width: 1280, height: 900 },
    offline: opts.offline ?? false,
  });
  const messages: string[] = [];
  const watch = (page: Page) => {
    page.on('console', (m: ConsoleMessage) => messages.push(`${m.type()}: ${m.text()}`));
    page.on('pageerror', (e) => messages.push(`pageerror: ${e.message}`));
  };
  context.on('page', watch);
  for (const p of context.pages()) watch(p);
  return {
    context,
    messages,
    newPage: () => context.newPage(),
    async close() {
      await context.close();
      fs.rmSync(profile, { recursive: true, force: true });
    },
  };
}

/** Messages that are policy violations (the browser logs each refused script, style or load). */
export function cspViolations(messages: readonly string[]): string[] {
  return messages.filter((m) => /Content Security Policy|Refused to/i.test(m));
}
