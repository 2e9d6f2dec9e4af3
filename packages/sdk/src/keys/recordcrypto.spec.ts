import { test } from 'node:test';
import assert from 'node:assert/strict';
import { randomId, randomKey } from '@safehold/crypto';
import { SafeholdError } from '@safehold/protocol';
import { decryptHeader, decryptSecret, encryptPart } from './recordcrypto.js';
import { revealView, toView } from '../recordview.js';

const header = { name: 'n', username: 'u', url: 'https://x', notes: '', tags: ['t'], fields: [{ name: 'pin-hint', value: 'birthday' }], secretFieldNames: ['pin'] };
const secret = { password: 'pw', fields: [{ name: 'pin', value: '1234' }] };

const isIntegrity = (id: string) => (e: unknown) =>
  e instanceof SafeholdError && e.code === 'integrity' && e.message === `record ${id} failed integrity check: the server sent data that was tampered with or corrupted`;

test('a part opens only under its record id, part and revision', () => {
  const key = randomKey();
  const id = randomId();
  const rev = randomId();
  const h = encryptPart(key, id, 'header', rev, header);
  assert.deepEqual(decryptHeader(key, id, rev, h), header);
  assert.throws(() => decryptHeader(key, id, randomId(), h), isIntegrity(id));
  const other = randomId();
  assert.throws(() => decryptHeader(key, other, rev, h), isIntegrity(other));
  // the header ciphertext presented as the secret part
  assert.throws(() => decryptSecret(key, id, rev, h), isIntegrity(id));
  assert.throws(() => decryptHeader(randomKey(), id, rev, h), isIntegrity(id));
  const flipped = h.slice(0, -2) + (h.endsWith('AA') ? 'AB' : 'AA');
  assert.throws(() => decryptHeader(key, id, rev, flipped), isIntegrity(id));
});

test('views list field names and hide secret values until revealed', () => {
  const view = toView({ id: 'i', masked: false, sealed: false, rights: ['read'], revision: 'r', updatedAt: '2026-01-01T00:00:00.000Z' }, header);
  assert.deepEqual(view.fields, [
    { name: 'pin-hint', secret: false, value: 'birthday' },
    { name: 'pin', secret: true },
  ]);
  assert.equal(JSON.stringify(view).includes('1234'), false);
  const r = revealView(view, secret);
  assert.equal(r.password, 'pw');
  assert.deepEqual(r.fields[1], { name: 'pin', secret: true, value: '1234' });
});
