import { test } from 'node:test';
import assert from 'node:assert/strict';
import kdbxweb from 'kdbxweb';
import type { SafeholdError } from '@safehold/protocol';
import { readKdbx, writeKdbx, KDBX_ARGON2_ITERATIONS, KDBX_ARGON2_MEMORY_BYTES } from './kdbx.js';
import type { PortableRecord } from '../transfer/portable.js';

const base: PortableRecord = {
  name: 'Mail, "main"', username: '-me', password: 'crlf\r\nlf\n=1 🔐', url: '@x', notes: 'n\r\nm', tags: ['a', 'b,c'],
  fields: [{ name: 'dept', value: 'ops' }, { name: 'Title', value: 'clash' }], secretFields: [{ name: 'pin', value: '+7' }],
  origin: 'CCCCCCCCCCCCCCCCCCCCCC', sourceId: '', kind: 'login', position: '',
  history: [{ name: 'Mail v1', username: 'old', password: 'old-pw', url: '', notes: '', tags: [], fields: [], secretFields: [] }],
};

test('KDBX 4 written with Argon2id 64 MiB / 3 iterations and AES-256 reads back exactly, history included', async () => {
  const bytes = await writeKdbx([{ db: 'main', records: [base] }, { db: 'other', records: [{ ...base, origin: 'DDDDDDDDDDDDDDDDDDDDDD', history: [] }] }], 'pw ✓', { history: true });
  const raw = new DataView(bytes.buffer, bytes.byteOffset, bytes.byteLength);
  assert.equal(raw.getUint16(10, true), 4, 'KDBX major version 4');
  const db = await kdbxweb.Kdbx.load(bytes.buffer.slice(bytes.byteOffset, bytes.byteOffset + bytes.byteLength) as ArrayBuffer, new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString('pw ✓')));
  const p = db.header.kdfParameters;
  assert.equal(p?.get('$UUID') instanceof ArrayBuffer, true);
  assert.equal(kdbxweb.ByteUtils.bytesToBase64(p?.get('$UUID') as ArrayBuffer), kdbxweb.Consts.KdfId.Argon2id);
  assert.equal((p?.get('M') as kdbxweb.Int64).value, KDBX_ARGON2_MEMORY_BYTES);
  assert.equal((p?.get('I') as kdbxweb.Int64).value, KDBX_ARGON2_ITERATIONS);
  assert.equal(db.header.dataCipherUuid?.toString(), kdbxweb.Consts.CipherId.Aes);
  const { records } = await readKdbx(bytes, 'pw ✓');
  assert.equal(records.length, 2);
  const r = records[0];
  assert.ok(r);
  for (const k of ['name', 'username', 'password', 'url', 'notes', 'tags', 'secretFields', 'origin'] as const) assert.deepEqual(r[k], base[k], k);
  assert.deepEqual(r.fields, [{ name: 'dept', value: 'ops' }, { name: 'Title (field)', value: 'clash' }], 'a field named like a KeePass field is renamed, not lost');
  assert.equal(r.history.length, 1);
  assert.equal(r.history[0]?.password, 'old-pw');
  assert.deepEqual(records[1]?.tags, ['a', 'b,c'], 'the database group of a Safehold file is not a tag');
});

test('KDBX: a wrong password is bad_credentials, a truncated file bad_request', async () => {
  const bytes = await writeKdbx([{ db: 'main', records: [base] }], 'pw');
  await assert.rejects(readKdbx(bytes, 'nope'), (e: SafeholdError) => e.code === 'bad_credentials');
  await assert.rejects(readKdbx(bytes.subarray(0, 200), 'pw', 'f.kdbx'), (e: SafeholdError) => e.code === 'bad_request' && /^f\.kdbx/.test(e.message));
  await assert.rejects(readKdbx(new TextEncoder().encode('not a kdbx'), 'pw', 'f.kdbx'), (e: SafeholdError) => e.code === 'bad_request');
});

test('KDBX 3.1 (AES-KDF) files read too', async () => {
  const db = kdbxweb.Kdbx.create(new kdbxweb.Credentials(kdbxweb.ProtectedValue.fromString('pw')), 'old');
  db.setVersion(3);
  const g = db.createGroup(db.getDefaultGroup(), 'Work');
  const e = db.createEntry(g);
  e.fields.set('Title', 'Legacy');
  e.fields.set('Password', kdbxweb.ProtectedValue.fromString('old-secret'));
  e.fields.set('otp', kdbxweb.ProtectedValue.fromString('otpauth://totp/x'));
  e.fields.set('Department', 'ops');
  const bytes = new Uint8Array(await db.save());
  assert.equal(new DataView(bytes.buffer).getUint16(10, true), 3, 'KDBX major version 3');
  const { records } = await readKdbx(bytes, 'pw');
  assert.deepEqual(records.map((r) => [r.name, r.password, r.tags, r.fields, r.secretFields]), [
    ['Legacy', 'old-secret', ['Work'], [{ name: 'Department', value: 'ops' }], [{ name: 'otp', value: 'otpauth://totp/x' }]],
  ]);
  assert.match(records[0]?.sourceId ?? '', /^kdbx:/);
});
