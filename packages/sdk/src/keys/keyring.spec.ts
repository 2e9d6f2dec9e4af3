import { test } from 'node:test';
import assert from 'node:assert/strict';
import { generateX25519KeyPair, randomId, randomKey, toB64, wrapForRecipient } from '@safehold/crypto';
import { SafeholdError, roleKeyAad } from '@safehold/protocol';
import type { RoleWire } from '@safehold/protocol/api';
import { Keyring } from './keyring.js';
import { defaultHomeDir } from '../home.js';

function keyring(user: string, roles: RoleWire[] = []): Keyring {
  const pair = generateX25519KeyPair();
  return new Keyring({ user, userKey: randomKey(), privateKey: pair.privateKey, publicKey: pair.publicKey, loadRoles: async () => roles });
}

const integrity = (e: unknown) => e instanceof SafeholdError && e.code === 'integrity';

test('own wraps open only for the same record, part and holder', () => {
  const k = keyring('alice');
  const id = randomId();
  const key = randomKey();
  const header = k.wrapForSelf(id, 'header', key);
  const secret = k.wrapForSelf(id, 'secret', key);
  const keys = k.unwrapRecordKeys({ id, db: 'main', keys: { header, secret }, keyHolder: { kind: 'user', user: 'alice' } });
  assert.deepEqual(keys.headerKey, key);
  assert.equal(keys.shared, false);
  // the header key presented as the secret key, or for another record, or another holder
  assert.throws(() => k.unwrapRecordKeys({ id, db: 'main', keys: { header: secret, secret }, keyHolder: { kind: 'user', user: 'alice' } }), integrity);
  assert.throws(() => k.unwrapRecordKeys({ id: randomId(), db: 'main', keys: { header, secret: null }, keyHolder: { kind: 'user', user: 'alice' } }), integrity);
  assert.throws(() => k.unwrapRecordKeys({ id, db: 'main', keys: { header, secret: null }, keyHolder: { kind: 'user', user: 'bob' } }), integrity);
  assert.throws(() => k.unwrapRecordKeys({ id, db: 'main', keys: { header: 'not*b64', secret: null }, keyHolder: { kind: 'user', user: 'alice' } }), integrity);
});

test('role keys: opened for members, checked against the role public key', async () => {
  const me = keyring('carol');
  const role = generateX25519KeyPair();
  const good: RoleWire = { name: 'ops', db: 'main', creator: 'alice', publicKey: toB64(role.publicKey), members: ['alice', 'carol'], myKey: toB64(wrapForRecipient(me.publicKey, role.privateKey, roleKeyAad('main', 'ops', 'carol'))) };
  const k = keyring('carol', [good]);
  // a keyring with carol's real key pair
  const carol = new Keyring({ user: 'carol', userKey: randomKey(), privateKey: me.privateKey, publicKey: me.publicKey, loadRoles: async () => [good] });
  const map = await carol.rolePrivateKeys('main');
  assert.deepEqual(map.get('ops'), role.privateKey);
  // a record key wrapped for the role opens through it
  const id = randomId();
  const recKey = randomKey();
  const header = carol.wrapForHolder(id, 'header', recKey, { kind: 'role', role: 'ops' }, role.publicKey);
  const opened = carol.unwrapRecordKeys({ id, db: 'main', keys: { header, secret: null }, keyHolder: { kind: 'role', role: 'ops' } });
  assert.deepEqual(opened.headerKey, recKey);
  assert.equal(opened.shared, true);
  // not openable by someone outside the role
  assert.throws(() => k.unwrapRecordKeys({ id, db: 'main', keys: { header, secret: null }, keyHolder: { kind: 'role', role: 'ops' } }), integrity);
  // a server that swaps the role's public key is caught
  const other = generateX25519KeyPair();
  assert.throws(() => carol.openRoleKey('main', { ...good, publicKey: toB64(other.publicKey) }), integrity);
  // a member key bound to another database does not open
  assert.throws(() => carol.openRoleKey('other', good), integrity);
  carol.zero();
  assert.ok(carol.userKey.every((b) => b === 0));
});

test('default home follows SAFEHOLD_HOME, then the platform data dir', () => {
  assert.equal(defaultHomeDir({ SAFEHOLD_HOME: '/x' }, 'linux'), '/x');
  assert.equal(defaultHomeDir({ XDG_DATA_HOME: '/d' }, 'linux'), '/d/safehold');
  assert.match(defaultHomeDir({ APPDATA: 'C:\\Users\\a\\AppData\\Roaming' }, 'win32'), /Safehold$/);
});

test('storedRecordKeys: own wraps kept as they came, shared ones re-wrapped under the user key, tampering refused', () => {
  const k = keyring('alice');
  const id = randomId();
  const hk = randomKey();
  const sk = randomKey();
  const header = k.wrapForSelf(id, 'header', hk);
  const secret = k.wrapForSelf(id, 'secret', sk);
  const own = k.storedRecordKeys({ id, db: 'main', keys: { header, secret }, keyHolder: { kind: 'user', user: 'alice' } });
  assert.deepEqual(own.headerKey, hk);
  assert.deepEqual(own.secretKey, sk);
  assert.equal(own.shared, false);
  assert.equal(toB64(own.headerWrap), header);
  assert.equal(own.secretWrap && toB64(own.secretWrap), secret);
  // A shared record (HPKE for alice's public key): its keys come back wrapped under her user key, which open again.
  const shared = k.storedRecordKeys({
    id,
    db: 'main',
    keys: { header: k.wrapForHolder(id, 'header', hk, { kind: 'user', user: 'alice' }, k.publicKey), secret: null },
    keyHolder: { kind: 'user', user: 'alice' },
  });
  assert.equal(shared.shared, true);
  assert.equal(shared.secretWrap, null);
  const reopened = k.unwrapRecordKeys({ id, db: 'main', keys: { header: toB64(shared.headerWrap), secret: null }, keyHolder: { kind: 'user', user: 'alice' } });
  assert.deepEqual(reopened.headerKey, hk);
  assert.equal(reopened.shared, false);
  // A swapped or undecodable wrap, or one for another holder, is the record's integrity error.
  assert.throws(() => k.storedRecordKeys({ id, db: 'main', keys: { header: secret, secret }, keyHolder: { kind: 'user', user: 'alice' } }), integrity);
  assert.throws(() => k.storedRecordKeys({ id, db: 'main', keys: { header, secret: 'not*b64' }, keyHolder: { kind: 'user', user: 'alice' } }), integrity);
  assert.throws(() => k.storedRecordKeys({ id, db: 'main', keys: { header, secret }, keyHolder: { kind: 'user', user: 'bob' } }), integrity);
});

test('storedRecordKeys with ownSecretUnopened: an own secret wrap is kept unopened, everything else is opened and checked as before', () => {
  const k = keyring('alice');
  const id = randomId();
  const hk = randomKey();
  const sk = randomKey();
  const header = k.wrapForSelf(id, 'header', hk);
  const secret = k.wrapForSelf(id, 'secret', sk);
  const me = { kind: 'user', user: 'alice' } as const;
  const own = k.storedRecordKeys({ id, db: 'main', keys: { header, secret }, keyHolder: me }, { ownSecretUnopened: true });
  assert.deepEqual(own.headerKey, hk);
  assert.equal(own.secretKey, null, 'not opened');
  assert.equal(own.secretWrap && toB64(own.secretWrap), secret, 'kept as it came');
  // Kept unopened means unchecked here: a tampered own secret wrap passes, and is refused where it is opened.
  const flipped = secret.slice(0, 30) + (secret[30] === 'A' ? 'B' : 'A') + secret.slice(31);
  const kept = k.storedRecordKeys({ id, db: 'main', keys: { header, secret: flipped }, keyHolder: me }, { ownSecretUnopened: true });
  assert.equal(kept.secretWrap && toB64(kept.secretWrap), flipped);
  assert.throws(() => k.unwrapRecordKeys({ id, db: 'main', keys: { header, secret: flipped }, keyHolder: me }), integrity);
  // The header key is still opened and checked, and the holder still has to be this user.
  assert.throws(() => k.storedRecordKeys({ id, db: 'main', keys: { header: secret, secret }, keyHolder: me }, { ownSecretUnopened: true }), integrity);
  assert.throws(() => k.storedRecordKeys({ id, db: 'main', keys: { header, secret }, keyHolder: { kind: 'user', user: 'bob' } }, { ownSecretUnopened: true }), integrity);
  // A shared record's keys (HPKE) are opened and re-wrapped as before.
  const shared = k.storedRecordKeys(
    { id, db: 'main', keys: { header: k.wrapForHolder(id, 'header', hk, me, k.publicKey), secret: k.wrapForHolder(id, 'secret', sk, me, k.publicKey) }, keyHolder: me },
    { ownSecretUnopened: true },
  );
  assert.equal(shared.shared, true);
  assert.deepEqual(shared.secretKey, sk);
  assert.ok(shared.secretWrap);
  assert.deepEqual(k.unwrapRecordKeys({ id, db: 'main', keys: { header: toB64(shared.headerWrap), secret: toB64(shared.secretWrap) }, keyHolder: me }).secretKey, sk);
});
