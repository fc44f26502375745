// SECURITY.md is checked like the other documents: every file it links exists, every setting it names
// is a real setting, and vulnerabilities go to GitHub's private reporting, not a placeholder address.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fs from 'node:fs';
import path from 'node:path';
import { SETTINGS } from '../../collector/config.ts';
import { ERRORS } from '../../collector/http/errors.ts';

const ROOT = path.resolve(import.meta.dirname, '../..');
const doc = fs.readFileSync(path.join(ROOT, 'SECURITY.md'), 'utf8');

test('every file SECURITY.md links to exists', () => {
  const links = [...doc.matchAll(/\]\(([^)#\s]+)(#[^)]*)?\)/g)].map((m) => m[1] as string);
  assert.ok(links.length >= 15, `${links.length} links`);
  for (const link of links) {
    if (/^https?:/.test(link)) continue;
    assert.ok(fs.existsSync(path.join(ROOT, link)), `SECURITY.md links to ${link}, which does not exist`);
  }
});

test('the collector settings and error codes SECURITY.md names exist', () => {
  for (const key of [
    'tlsCert',
    'tlsKey',
    'bodyLimitBytes',
    'auditMaxRows',
    'trustProxy',
    'reenrollAfterSeconds',
  ])
    assert.ok(doc.includes(`\`${key}\``) && key in SETTINGS, key);
  for (const code of ['device_mismatch', 'device_enrolled'])
    assert.ok(new RegExp(`\\b${code}\\b`).test(doc) && code in ERRORS, code);
});

test('vulnerabilities are reported through GitHub private vulnerability reporting', () => {
  assert.match(doc, /^## Reporting a vulnerability$/m);
  assert.match(doc, /private vulnerability reporting/);
  assert.match(doc, /\*\*Report a vulnerability\*\*/);
  assert.doesNotMatch(doc, /@[a-z0-9-]+\.(invalid|example)\b/i, 'no placeholder contact address');
});
