/**
 * How the CLI renders SDK events (docs/spec.md §3): warnings (the offline fallback notice, a failed
 * after-save sync) always go to stderr; progress bars and notices (the completion notice) only when
 * stderr is a TTY; nothing of it ever goes to stdout.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { PassThrough } from 'node:stream';
import { Cli } from './runtime.js';

function capture(isTTY: boolean): { stream: PassThrough & { isTTY?: boolean }; text(): string } {
  const stream: PassThrough & { isTTY?: boolean } = new PassThrough();
  if (isTTY) stream.isTTY = true;
  const chunks: Buffer[] = [];
  stream.on('data', (c: Buffer) => chunks.push(c));
  return { stream, text: () => Buffer.concat(chunks).toString('utf8') };
}

async function render(tty: boolean): Promise<{ out: string; err: string }> {
  const out = capture(tty);
  const err = capture(tty);
  const cli = new Cli({ stdout: out.stream, stderr: err.stream, env: {} });
  const ev = await cli.events();
  ev.progress('offline-sync', 0, 4);
  ev.progress('offline-sync', 4, 4);
  ev.notice('offline sync completed: 4 added, 0 updated, 0 removed, 4 total');
  ev.warning('server unreachable (connection refused): using the offline database');
  ev.warning('offline sync (after-save) failed: the server is unreachable');
  await new Promise((r) => setImmediate(r));
  return { out: out.text(), err: err.text() };
}

test('not a TTY (a script): warnings on stderr, no notice, no progress bar, nothing on stdout', async () => {
  const { out, err } = await render(false);
  assert.equal(out, '');
  assert.equal(
    err,
    'warning: server unreachable (connection refused): using the offline database\nwarning: offline sync (after-save) failed: the server is unreachable\n',
  );
});

test('a TTY: the progress bar and the completion notice too, all on stderr', async () => {
  const { out, err } = await render(true);
  assert.equal(out, '');
  assert.match(err, /offline-sync \[/);
  // The bar is cleared in place (escape codes), so the notice starts after them on the same line.
  assert.match(err, /offline sync completed: 4 added, 0 updated, 0 removed, 4 total\n/);
  assert.match(err, /^warning: server unreachable \(connection refused\): using the offline database$/m);
  assert.match(err, /^warning: offline sync \(after-save\) failed: the server is unreachable$/m);
});
