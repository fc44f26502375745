// THIRD-PARTY-NOTICES: the licences of everything the executables carry: Node.js itself and every
// npm package esbuild put into the bundle (read from its metafile), plus better-sqlite3's addon.
import fs from 'node:fs';
import path from 'node:path';
import type { Metafile } from 'esbuild';

interface PackageNotice {
  name: string;
  version: string;
  license: string;
  text: string;
}

/** Package directories (relative to `root`) that contributed inputs to the bundle. */
export function bundledPackageDirs(metafile: Metafile): string[] {
  const dirs = new Set<string>();
  for (const input of Object.keys(metafile.inputs)) {
    const m = /^(.*node_modules\/(?:@[^/]+\/)?[^/]+)\//.exec(input);
    if (m?.[1]) dirs.add(m[1]);
  }
  return [...dirs].sort();
}

function readNotice(dir: string): PackageNotice {
  const pkg = JSON.parse(fs.readFileSync(path.join(dir, 'package.json'), 'utf8')) as {
    name: string;
    version: string;
    license?: string;
  };
  const licenseFile = fs
    .readdirSync(dir)
    .sort()
    .find((f) => /^(licen[cs]e|copying)(\.(md|txt))?$/i.test(f));
  const text = licenseFile
    ? fs.readFileSync(path.join(dir, licenseFile), 'utf8').trim()
    : `(no licence file in the package; package.json says: ${pkg.license ?? 'nothing'})`;
  return { name: pkg.name, version: pkg.version, license: pkg.license ?? 'UNKNOWN', text };
}

export function thirdPartyNotices(root: string, metafile: Metafile, nodeLicense: string): string {
  const packages = [...bundledPackageDirs(metafile), 'node_modules/better-sqlite3']
    .filter((d, i, all) => all.indexOf(d) === i)
    .map((d) => readNotice(path.join(root, d)))
    .sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
  const rule = '-'.repeat(78);
  const sections = [
    `Node.js (the runtime inside the executable)\n\n${nodeLicense.trim()}`,
    ...packages.map((p) => `${p.name} ${p.version} (${p.license})\n\n${p.text}`),
  ];
  return [
    'tokenwatch-agent carries the following third-party software. Their licences follow.',
    '',
    ...sections.flatMap((s) => [rule, s, '']),
  ].join('\n');
}
