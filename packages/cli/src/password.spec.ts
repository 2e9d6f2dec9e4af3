import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SafeholdError } from '@safehold/protocol';
import { passwordReader } from './password.js';

test('SAFEHOLD_PASSWORD is the master password; SAFEHOLD_NEW_PASSWORD the new one for passwd', async () => {
  const read = passwordReader({ env: { SAFEHOLD_PASSWORD: 'old', SAFEHOLD_NEW_PASSWORD: 'new' }, fromStdin: false });
  assert.equal(await read('current'), 'old');
  assert.equal(await read('new'), 'new');
  // register: the new password is the one in SAFEHOLD_PASSWORD
  assert.equal(await read('new', { newIsFirst: true }), 'old');
});

test('--password-stdin reads one line per password: current first, then the new one', async () => {
  const read = passwordReader({ env: { SAFEHOLD_PASSWORD: 'ignored' }, fromStdin: true, readStdin: () => ['old pw', 'new pw', ''] });
  assert.equal(await read('current'), 'old pw');
  assert.equal(await read('new'), 'new pw');
  await assert.rejects(read('new'), (e) => e instanceof SafeholdError && e.code === 'bad_request' && /no new password/.test(e.message));
});
