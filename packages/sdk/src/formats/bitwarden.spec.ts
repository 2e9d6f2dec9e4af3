import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createCipheriv, createHash, createHmac, pbkdf2Sync, randomBytes } from 'node:crypto';
import { argon2Raw } from '@safehold/crypto';
import type { SafeholdError } from '@safehold/protocol';
import { readBitwardenJson, writeBitwardenJson } from './bitwarden.js';
import { encryptBitwardenExport } from '../keys/bwcrypto.js';
import type { PortableRecord } from '../transfer/portable.js';

const PLAIN = JSON.stringify({
  encrypted: false,
  folders: [{ id: 'f1', name: 'Work' }],
  items: [
    { id: 'i-login', folderId: 'f1', type: 1, name: 'Mail', notes: null, favorite: false,
      fields: [{ name: 'pin', value: '77', type: 1, linkedId: null }, { name: 'dept', value: 'ops', type: 0, linkedId: null }],
      login: { uris: [{ match: null, uri: 'https://a.test' }, { match: null, uri: 'https://b.test' }], username: 'me', password: 'pw "1"', totp: 'JBSWY3DP',
        fido2Credentials: [{ credentialId: 'x' }] },
      passwordHistory: [{ lastUsedDate: '2026-01-01T00:00:00Z', password: 'old' }] },
    { id: 'i-note', folderId: null, type: 2, name: 'Memo', notes: 'hello\nworld', secureNote: { type: 0 } },
    { id: 'i-card', folderId: null, type: 3, name: 'Visa', card: { cardholderName: 'A B', brand: 'Visa', number: '4111111111111111', expMonth: '1', expYear: '2030', code: '123' } },
    { id: 'i-id', folderId: null, type: 4, name: 'Me', identity: { firstName: 'Zoë', ssn: '123-45-6789', email: null } },
  ],
});

const noPassword = async (): Promise<string> => {
  throw new Error('no password should be asked');
};

test('Bitwarden JSON: logins and every other item type become records; what Safehold cannot keep is counted', async () => {
  const { records, notes } = await readBitwardenJson(PLAIN, noPassword, 'bw.json');
  assert.deepEqual(records.map((r) => [r.name, r.kind]), [['Mail', 'login'], ['Memo', 'note'], ['Visa', 'card'], ['Me', 'identity']]);
  const [mail, memo, card, me] = records;
  assert.deepEqual(mail?.tags, ['Work']);
  assert.equal(mail?.password, 'pw "1"');
  assert.equal(mail?.url, 'https://a.test');
  assert.deepEqual(mail?.fields, [{ name: 'dept', value: 'ops' }, { name: 'uri2', value: 'https://b.test' }]);
  assert.deepEqual(mail?.secretFields, [{ name: 'pin', value: '77' }, { name: 'totp', value: 'JBSWY3DP' }]);
  assert.equal(memo?.notes, 'hello\nworld');
  assert.deepEqual(card?.secretFields, [{ name: 'number', value: '4111111111111111' }, { name: 'code', value: '123' }]);
  assert.deepEqual(card?.fields.map((f) => f.name), ['cardholderName', 'brand', 'expMonth', 'expYear']);
  assert.deepEqual(me?.secretFields, [{ name: 'ssn', value: '123-45-6789' }]);
  assert.deepEqual(notes.unsupported, { attachments: 0, passwordHistory: 1, passkeys: 1 });
  assert.equal(mail?.sourceId, 'bitwarden:i-login');
});

test('Bitwarden JSON written by Safehold reads back with tags, hidden fields and the Safehold id', async () => {
  const r: PortableRecord = {
    name: '=x', username: '', password: '', url: 'https://u.test', notes: 'a\r\nb', tags: ['one', 'two, three'],
    fields: [{ name: 'f', value: 'v' }], secretFields: [{ name: 's', value: '-1' }], origin: 'BBBBBBBBBBBBBBBBBBBBBB', sourceId: '', kind: 'login', history: [], position: '',
  };
  const text = writeBitwardenJson([{ db: 'main', records: [r] }], { allDatabases: false });
  const doc = JSON.parse(text);
  assert.equal(doc.items[0].login.password, null, 'empty values are null, as Bitwarden writes them');
  const [back] = (await readBitwardenJson(text, noPassword)).records;
  assert.ok(back);
  for (const k of ['name', 'username', 'password', 'url', 'notes', 'tags', 'fields', 'secretFields', 'origin'] as const) assert.deepEqual(back[k], r[k], k);
});

test('Bitwarden JSON: malformed and truncated files are refused with the position', async () => {
  await assert.rejects(readBitwardenJson(PLAIN.slice(0, 100), noPassword, 'bw.json'), (e: SafeholdError) => e.code === 'bad_request' && /bw\.json/.test(e.message));
  await assert.rejects(readBitwardenJson('{"items":[1]}', noPassword, 'bw.json'), /bw\.json items\[0\]: an item is not an object/);
  await assert.rejects(readBitwardenJson('{"encrypted":true,"data":"x"}', noPassword, 'bw.json'), /encrypted with the account key/);
});

/**
 * A password-protected export built here step by step from the published algorithm (Bitwarden's
 * clients and KeePassXC's BitwardenReader), independently of bwcrypto.ts: no Bitwarden runs here.
 */
async function handBuilt(password: string, kdf: { type: 0 | 1; iterations: number; memory?: number; parallelism?: number }, plain: string): Promise<string> {
  const salt = randomBytes(16).toString('base64');
  const master =
    kdf.type === 0
      ? pbkdf2Sync(password, salt, kdf.iterations, 32, 'sha256')
      : Buffer.from(
          await argon2Raw(Buffer.from(password), createHash('sha256').update(salt).digest(), {
            type: 2,
            version: 0x13,
            memoryKiB: (kdf.memory ?? 0) * 1024,
            iterations: kdf.iterations,
            parallelism: kdf.parallelism ?? 1,
            length: 32,
          }),
        );
  const expand = (info: string) => createHmac('sha256', master).update(Buffer.concat([Buffer.from(info), Buffer.from([1])])).digest();
  const enc = expand('enc');
  const mac = expand('mac');
  const encString = (s: string): string => {
    const iv = randomBytes(16);
    const c = createCipheriv('aes-256-cbc', enc, iv);
    const ct = Buffer.concat([c.update(s, 'utf8'), c.final()]);
    const m = createHmac('sha256', mac).update(Buffer.concat([iv, ct])).digest();
    return `2.${iv.toString('base64')}|${ct.toString('base64')}|${m.toString('base64')}`;
  };
  return JSON.stringify({
    encrypted: true, passwordProtected: true, salt, kdfType: kdf.type, kdfIterations: kdf.iterations,
    kdfMemory: kdf.memory ?? null, kdfParallelism: kdf.parallelism ?? null,
    encKeyValidation_DO_NOT_EDIT: encString(randomBytes(8).toString('hex')), data: encString(plain),
  });
}

test('password-protected Bitwarden JSON (PBKDF2-SHA256 and Argon2id vectors built from the published algorithm)', async () => {
  for (const kdf of [{ type: 0 as const, iterations: 600_000 }, { type: 1 as const, iterations: 3, memory: 64, parallelism: 4 }]) {
    const file = await handBuilt('correct horse ✓', kdf, PLAIN);
    const { records } = await readBitwardenJson(file, async () => 'correct horse ✓', 'bw.json');
    assert.deepEqual(records.map((r) => r.name), ['Mail', 'Memo', 'Visa', 'Me'], `kdfType ${kdf.type}`);
    await assert.rejects(readBitwardenJson(file, async () => 'wrong', 'bw.json'), (e: SafeholdError) => e.code === 'bad_credentials');
  }
  // our own writer follows the same algorithm
  const ours = await encryptBitwardenExport(PLAIN, 'pw', { kdfType: 0, kdfIterations: 1000 });
  assert.equal((await readBitwardenJson(ours, async () => 'pw')).records.length, 4);
  // a damaged data value with the right password is a bad file, not a wrong password
  const doc = JSON.parse(ours);
  const [iv, ct, mac] = String(doc.data).slice(2).split('|');
  const flipped = Buffer.from(ct ?? '', 'base64');
  flipped[0] = (flipped[0] ?? 0) ^ 1;
  doc.data = `2.${iv}|${flipped.toString('base64')}|${mac}`;
  await assert.rejects(readBitwardenJson(JSON.stringify(doc), async () => 'pw', 'bw.json'), (e: SafeholdError) => e.code === 'bad_request' && /integrity/.test(e.message));
});
