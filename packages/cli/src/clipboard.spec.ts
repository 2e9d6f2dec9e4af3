import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { clipboardTool, copyToClipboard, writeClipboard } from './clipboard.js';

test('SAFEHOLD_CLIPBOARD_CMD wins; otherwise the platform tool', () => {
  assert.deepEqual(clipboardTool({ SAFEHOLD_CLIPBOARD_CMD: 'cat > /dev/null' }, 'linux'), { shell: 'cat > /dev/null' });
  assert.deepEqual(clipboardTool({}, 'darwin'), { argv: ['pbcopy'] });
  assert.deepEqual(clipboardTool({}, 'win32'), { argv: ['clip'] });
  assert.throws(() => clipboardTool({ PATH: '' }, 'linux'), /SAFEHOLD_CLIPBOARD_CMD/);
});

test('the secret goes to the command on stdin, and the detached helper clears it', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'safehold-clip-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const file = join(dir, 'clip');
  const env = { ...process.env, SAFEHOLD_CLIPBOARD_CMD: `cat > '${file}'` };
  await writeClipboard({ shell: env.SAFEHOLD_CLIPBOARD_CMD }, 's3cret "quoted" $HOME', env);
  assert.equal(readFileSync(file, 'utf8'), 's3cret "quoted" $HOME');
  await copyToClipboard('another-secret', 1, env);
  assert.equal(readFileSync(file, 'utf8'), 'another-secret');
  const deadline = Date.now() + 8000;
  while (readFileSync(file, 'utf8') !== '' && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
  assert.equal(readFileSync(file, 'utf8'), '');
  await assert.rejects(writeClipboard({ shell: 'exit 3' }, 'x', env), /clipboard command failed/);
});
