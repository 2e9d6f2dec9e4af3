/** SAFEHOLD_LOG_REQUESTS=off leaves out the per-request log lines of the real binary, and only those. */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { api, openTestStorage, startServerProcess, storageArgs, type ServerProcess } from '@safehold/testkit';

describe('per-request log lines', () => {
  let st: Awaited<ReturnType<typeof openTestStorage>>;
  before(async () => {
    st = await openTestStorage('sqlite');
  });
  after(() => st?.close());

  const linesAfterOneRequest = async (env: NodeJS.ProcessEnv): Promise<string> => {
    const server: ServerProcess = await startServerProcess(storageArgs(st), env);
    try {
      assert.equal((await api(server.url, 'GET', '/v1/server-key')).status, 200);
      assert.equal((await api(server.url, 'GET', '/v1/no-such-route')).status, 404);
    } finally {
      await server.stop();
    }
    return server.logs();
  };

  test('are written by default', async () => {
    const out = await linesAfterOneRequest({});
    assert.match(out, /incoming request/);
    assert.match(out, /request completed/);
  });

  test('are left out with SAFEHOLD_LOG_REQUESTS=off; start and shutdown lines stay', async () => {
    const out = await linesAfterOneRequest({ SAFEHOLD_LOG_REQUESTS: 'off' });
    assert.doesNotMatch(out, /incoming request|request completed/);
    assert.match(out, /safehold-server listening on http:\/\/127\.0\.0\.1:\d+/);
    assert.match(out, /shutting down/);
  });
});
