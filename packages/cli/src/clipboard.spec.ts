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

test('12.9: the clipboard tool and the clear-helper get a minimal environment (no SAFEHOLD_PASSWORD / SAFEHOLD_SESSION)', async (t) => {
  const dir = mkdtempSync(join(tmpdir(), 'safehold-clipenv-'));
  t.after(() => rmSync(dir, { recursive: true, force: true }));
  const clip = join(dir, 'clip');
  const toolEnv = join(dir, 'tool-env');
  const env = {
    ...process.env,
    SAFEHOLD_PASSWORD: 'master-pw-LEAK-1',
    SAFEHOLD_SESSION: 'session-key-LEAK-2',
    SAFEHOLD_NEW_PASSWORD: 'new-pw-LEAK-3',
    SOME_API_TOKEN: 'token-LEAK-4',
    // The tool records its own environment (as the kernel shows it to the same user), then takes the value.
    SAFEHOLD_CLIPBOARD_CMD: `tr '\\0' '\\n' < /proc/$$/environ > '${toolEnv}'; cat > '${clip}'`,
  };
  const copied = (await copyToClipboard('clip-secret', 30, env)) as { helperPid: number | null } | undefined;
  assert.equal(readFileSync(clip, 'utf8'), 'clip-secret');
  const noLeak = (who: string, vars: string[]): void => {
    const joined = vars.join('\n');
    for (const leak of ['LEAK-1', 'LEAK-2', 'LEAK-3', 'LEAK-4']) assert.equal(joined.includes(leak), false, `${who} sees ${leak}`);
    assert.ok(vars.some((v) => v.startsWith('PATH=')), `${who} keeps PATH`);
  };
  noLeak('clipboard tool', readFileSync(toolEnv, 'utf8').split('\n'));
  const helperPid = copied?.helperPid ?? null;
  assert.ok(helperPid !== null, 'a clear-helper was started');
  t.after(() => {
    try {
      process.kill(helperPid, 'SIGKILL');
    } catch {
      /* already gone */
    }
  });
  const helperEnv = readFileSync(`/proc/${helperPid}/environ`, 'utf8').split('\0');
  noLeak('helper', helperEnv);
  assert.ok(helperEnv.some((v) => v.startsWith('SAFEHOLD_CLIPCLEAR=')));
  assert.equal(helperEnv.join('\n').includes('clip-secret'), false, 'the helper never receives the secret');
});
