// What the HTML pages (the report file and the dashboard) carry besides their markup, read once at start:
// uPlot (the charts, from its npm package: a runtime dependency, so `npm ci --omit=dev` installs it) with
// its licence as a leading comment, and our own stylesheet and scripts (reports/assets). The report inlines
// them; the dashboard serves them from the collector under content-hashed names. Each carries its
// SHA-256 (base64), which the report's Content-Security-Policy names.
import { createHash } from 'node:crypto';
import fs from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { PageAsset, PageAssets } from './render/html/document.ts';

export type { PageAsset, PageAssets };

const OWN = path.join(path.dirname(fileURLToPath(import.meta.url)), 'assets');

function asset(base: string, kind: PageAsset['kind'], text: string): PageAsset {
  const digest = createHash('sha256').update(text, 'utf8');
  const sha256 = digest.copy().digest('base64');
  const short = digest.digest('hex').slice(0, 12);
  return { name: `${base}.${short}.${kind === 'script' ? 'js' : 'css'}`, kind, text, sha256 };
}

/** A package's licence text as a comment that minifiers and readers keep. */
function licenceComment(name: string, version: string, licenceFile: string): string {
  const text = fs.readFileSync(licenceFile, 'utf8').replace(/\*\//g, '* /').trim();
  return `/*! ${name} ${version}\n${text}\n*/\n`;
}

function readUplot(): { script: string; style: string } {
  const script = fileURLToPath(import.meta.resolve('uplot/dist/uPlot.iife.min.js'));
  const dist = path.dirname(script);
  const root = path.dirname(dist);
  const pkg = JSON.parse(fs.readFileSync(path.join(root, 'package.json'), 'utf8')) as { version: string };
  return {
    script:
      licenceComment('uPlot', pkg.version, path.join(root, 'LICENSE')) + fs.readFileSync(script, 'utf8'),
    style: fs.readFileSync(path.join(dist, 'uPlot.min.css'), 'utf8'),
  };
}

export function loadPageAssets(): PageAssets {
  const uplot = readUplot();
  const own = (file: string) => fs.readFileSync(path.join(OWN, file), 'utf8');
  return {
    scripts: [
      asset('uplot', 'script', uplot.script),
      asset('trend-chart', 'script', own('trend-chart.js')),
      asset('table-sort', 'script', own('table-sort.js')),
    ],
    styles: [asset('uplot', 'style', uplot.style), asset('tokenwatch', 'style', own('tokenwatch.css'))],
  };
}
