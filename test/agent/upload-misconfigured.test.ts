// A ServerURL that names the wrong place, as the real agent process sees it: a redirect or a 404 keeps
// the snapshot queued (not rejected) and `status` and `config` say "misconfiguration" in words; plain
// http:// to another host is refused before any connection, and both commands say why.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import { cleanEnv, runAgent, simulatedMac } from '../helpers/agent-process.ts';

const env = cleanEnv({ TOKENWATCH_ENROLL_SECRET: 'enroll-secret-for-the-misconfiguration-test' });

async function answering(status: number, headers: Record<string, string> = {}) {
  let requests = 0;
  const server = http.createServer((req, res) => {
    requests++;
    req.resume();
    res.writeHead(status, { 'content-type': 'text/html', ...headers });
    res.end('<html>not a collector</html>');
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    requests: () => requests,
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

for (const [status, headers, words] of [
  [
    302,
    { location: 'https://sso.example.com/login' },
    /misconfiguration: the collector answered HTTP 302 \(a redirect to https:\/\/sso\.example\.com\/login\)/,
  ],
  [
    404,
    {},
    /misconfiguration: HTTP 404 for POST \/api\/v1\/enroll: ServerURL does not point at a tokenwatch collector/,
  ],
] as const) {
  test(`a ${status} from ServerURL: the snapshot stays queued, not rejected; status and config say misconfiguration`, async () => {
    const server = await answering(status, headers);
    try {
      const mac = simulatedMac('applesilicon-compliant');
      const flags = [...mac.flags, '--server-url', server.url];
      const r = await runAgent(['run', ...flags], { env });
      assert.equal(r.code, 0, r.stderr);
      assert.equal(server.requests(), 1, 'one request; a redirect is not followed');
      const json = JSON.parse((await runAgent(['status', '--json', ...flags])).stdout) as {
        outbox: { snapshots: number; rejected: number };
      };
      assert.deepEqual([json.outbox.snapshots, json.outbox.rejected], [1, 0]);
      const status = await runAgent(['status', ...flags]);
      assert.match(status.stdout, new RegExp(`Last problem .*${words.source}`));
      const config = await runAgent(['config', ...flags]);
      assert.match(config.stdout, new RegExp(`The collector's last answer: ${words.source}`));
    } finally {
      await server.close();
    }
  });
}

test('plain http:// to another host: refused before any connection; config and status say why and how to allow it', async () => {
  const mac = simulatedMac('applesilicon-compliant');
  const flags = [...mac.flags, '--server-url', 'http://tokenwatch.invalid:8080'];
  const config = await runAgent(['config', ...flags]);
  assert.equal(config.code, 0, config.stderr);
  assert.match(
    config.stdout,
    /UPLOADS ARE REFUSED until this is corrected:\n {2}- ServerURL http:\/\/tokenwatch\.invalid:8080 is plain http:\/\/ to another host/,
  );
  assert.match(config.stdout, /^AllowInsecureHTTP +false +default$/m);
  const r = await runAgent(['run', ...flags], { env });
  assert.equal(r.code, 0, r.stderr);
  const status = await runAgent(['status', ...flags]);
  assert.match(status.stdout, /^Uploads refused {2}the configuration must be corrected first/m);
  assert.match(
    status.stdout,
    /Last problem .*uploads refused by the configuration: ServerURL .* set AllowInsecureHTTP/,
  );
  const allowed = await runAgent(['config', ...flags, '--allow-insecure-http']);
  assert.doesNotMatch(allowed.stdout, /UPLOADS ARE REFUSED/);
  assert.match(allowed.stdout, /^AllowInsecureHTTP +true +flag$/m);
});
