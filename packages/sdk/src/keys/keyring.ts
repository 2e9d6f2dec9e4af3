/**
 * The unlocked keys of one user: the symmetric user key, the X25519 key pair, and the private keys
 * of the roles the user is a member of (loaded per database). Opens and makes record key wraps.
 */
import {
  ENVELOPE_AEAD_V1,
  ENVELOPE_HPKE_V1,
  decrypt,
  encrypt,
  envelopeVersion,
  fromB64,
  toB64,
  unwrapForRecipient,
  wrapForRecipient,
  x25519PublicFromPrivate,
  constantTimeEqual,
  zero,
} from '@safehold/crypto';
import { SafeholdError, keyWrapAad, roleKeyAad, type RecordPart } from '@safehold/protocol';
import type { KeyHolder, RecordWire, RoleWire } from '@safehold/protocol/api';
import { integrityError } from '../recordview.js';

/** A record's two keys as opened by this user. */
export interface RecordKeys {
  headerKey: Uint8Array;
  /** Null when the server withheld it (seal) or sent none. */
  secretKey: Uint8Array | null;
  /** True when the keys came as an HPKE wrap (shared), so the caller may adopt them. */
  shared: boolean;
}

/** A record's keys as opened, with their wraps under the user key as the offline file keeps them. */
export interface StoredRecordKeys extends RecordKeys {
  headerWrap: Uint8Array;
  /** Null when there is no secret key (seal, or none sent). */
  secretWrap: Uint8Array | null;
}

/** A wire record's key holder and its key wraps, decoded from base64 (not opened). */
interface DecodedWraps {
  holder: KeyHolder;
  header: Uint8Array;
  secret: Uint8Array | null;
}

/** The holder string bound into a key wrap's AAD: "user:alice" or "role:ops". */
export function holderString(h: KeyHolder): string {
  return h.kind === 'user' ? `user:${h.user}` : `role:${h.role}`;
}

export interface KeyringOptions {
  user: string;
  userKey: Uint8Array;
  privateKey: Uint8Array;
  publicKey: Uint8Array;
  /** Loads the roles of a database (GET /db/:db/roles) to open the caller's role keys. */
  loadRoles?: (db: string) => Promise<RoleWire[]>;
}

/**
 * Opens a record key wrapped under the user's own user key (AEAD, the form the offline file keeps and an
 * adopted key takes); any failure is the record's integrity error.
 */
export function openOwnRecordKey(userKey: Uint8Array, user: string, recordId: string, part: RecordPart, blob: Uint8Array): Uint8Array {
  try {
    return decrypt(userKey, blob, keyWrapAad(recordId, part, `user:${user}`));
  } catch {
    throw integrityError(recordId);
  }
}

/** The unlocked key material of one user; `zero()` it on lock. */
export class Keyring {
  readonly user: string;
  readonly userKey: Uint8Array;
  readonly privateKey: Uint8Array;
  readonly publicKey: Uint8Array;
  private readonly loadRoles: ((db: string) => Promise<RoleWire[]>) | undefined;
  private readonly roleKeys = new Map<string, Map<string, Uint8Array>>();

  constructor(opts: KeyringOptions) {
    this.user = opts.user;
    this.userKey = opts.userKey;
    this.privateKey = opts.privateKey;
    this.publicKey = opts.publicKey;
    this.loadRoles = opts.loadRoles;
  }

  /** The private keys of the roles this user is a member of in `db` (loaded once, then cached). */
  async rolePrivateKeys(db: string): Promise<Map<string, Uint8Array>> {
    const cached = this.roleKeys.get(db);
    if (cached) return cached;
    const map = new Map<string, Uint8Array>();
    if (this.loadRoles) {
      for (const r of await this.loadRoles(db)) {
        if (!r.myKey) continue;
        map.set(r.name, this.openRoleKey(db, r));
      }
    }
    this.roleKeys.set(db, map);
    return map;
  }

  /** Opens a role's private key wrapped for this user, checking that it matches the role's public key. */
  openRoleKey(db: string, role: Pick<RoleWire, 'name' | 'publicKey' | 'myKey'>): Uint8Array {
    if (!role.myKey) throw new SafeholdError('forbidden', `you are not a member of role ${role.name}`);
    let priv: Uint8Array;
    try {
      priv = unwrapForRecipient(this.privateKey, fromB64(role.myKey), roleKeyAad(db, role.name, this.user));
    } catch {
      throw new SafeholdError('integrity', `the key of role ${role.name} failed integrity check: the server sent data that was tampered with or corrupted`);
    }
    if (!constantTimeEqual(x25519PublicFromPrivate(priv), fromB64(role.publicKey))) {
      zero(priv);
      throw new SafeholdError('integrity', `the key of role ${role.name} does not match its public key: the server sent data that was tampered with`);
    }
    return priv;
  }

  /**
   * Opens the record keys the server sent for this user (AEAD under the user key, or HPKE for the
   * user's or a role's public key). For a role holder, call `rolePrivateKeys(db)` first.
   */
  unwrapRecordKeys(wire: Pick<RecordWire, 'id' | 'db' | 'keys' | 'keyHolder'>): RecordKeys {
    return this.openWraps(wire, this.decodeWraps(wire));
  }

  /**
   * The record keys opened as `unwrapRecordKeys` does, and their wraps under the user key as the offline
   * file keeps them: the wraps as they came for an own record, re-wrapped under the user key for a shared
   * one (which the caller may offer for adoption). Each wrap is decoded once.
   *
   * `ownSecretUnopened` (the offline sync, ADR 0095): an own record's secret key wrap (AEAD under this
   * user's key, held by this user, beside an own header key) is kept as it came, unopened: `secretKey` is
   * then null and `secretWrap` the wrap. Its check (the AEAD tag and the record, part and holder bound into
   * it) happens where it is opened, like the check of the secret part it unlocks.
   */
  storedRecordKeys(wire: Pick<RecordWire, 'id' | 'db' | 'keys' | 'keyHolder'>, opts: { ownSecretUnopened?: boolean } = {}): StoredRecordKeys {
    const wraps = this.decodeWraps(wire);
    if (opts.ownSecretUnopened === true && wraps.secret !== null && this.isOwnWrap(wraps.holder, wraps.header) && this.isOwnWrap(wraps.holder, wraps.secret)) {
      const headerKey = this.unwrapOne(wire.id, wire.db, 'header', wraps.holder, wraps.header);
      return { headerKey, secretKey: null, shared: false, headerWrap: wraps.header, secretWrap: wraps.secret };
    }
    const keys = this.openWraps(wire, wraps);
    if (!keys.shared) return { headerKey: keys.headerKey, secretKey: keys.secretKey, shared: false, headerWrap: wraps.header, secretWrap: wraps.secret };
    try {
      return {
        headerKey: keys.headerKey,
        secretKey: keys.secretKey,
        shared: true,
        headerWrap: this.wrapBlobForSelf(wire.id, 'header', keys.headerKey),
        secretWrap: keys.secretKey ? this.wrapBlobForSelf(wire.id, 'secret', keys.secretKey) : null,
      };
    } catch (e) {
      zero(keys.headerKey, keys.secretKey);
      throw e;
    }
  }

  /** A wrap in the form of this user's own (AEAD under the user key) for a holder that is this user. */
  private isOwnWrap(holder: KeyHolder, blob: Uint8Array): boolean {
    return holder.kind === 'user' && holder.user === this.user && blob[0] === ENVELOPE_AEAD_V1;
  }

  /** The wraps of a wire record, decoded (a malformed one is the record's integrity error). */
  private decodeWraps(wire: Pick<RecordWire, 'id' | 'keys' | 'keyHolder'>): DecodedWraps {
    if (!wire.keys || !wire.keyHolder) throw new SafeholdError('not_found', `record ${wire.id} not found`);
    try {
      return { holder: wire.keyHolder, header: fromB64(wire.keys.header), secret: wire.keys.secret === null ? null : fromB64(wire.keys.secret) };
    } catch {
      throw integrityError(wire.id);
    }
  }

  /** Opens decoded wraps (decodeWraps) for their holder. */
  private openWraps(wire: Pick<RecordWire, 'id' | 'db'>, { holder, header, secret }: DecodedWraps): RecordKeys {
    const headerKey = this.unwrapOne(wire.id, wire.db, 'header', holder, header);
    let secretKey: Uint8Array | null = null;
    if (secret !== null) {
      try {
        secretKey = this.unwrapOne(wire.id, wire.db, 'secret', holder, secret);
      } catch (e) {
        zero(headerKey);
        throw e;
      }
    }
    let shared = false;
    try {
      shared = envelopeVersion(header) === ENVELOPE_HPKE_V1;
    } catch {
      shared = false;
    }
    return { headerKey, secretKey, shared };
  }

  private unwrapOne(recordId: string, db: string, part: RecordPart, holder: KeyHolder, blob: Uint8Array): Uint8Array {
    const version = blob[0];
    try {
      if (version === ENVELOPE_AEAD_V1) {
        if (holder.kind !== 'user' || holder.user !== this.user) throw integrityError(recordId);
        return openOwnRecordKey(this.userKey, this.user, recordId, part, blob);
      }
      if (version === ENVELOPE_HPKE_V1) {
        const aad = keyWrapAad(recordId, part, holderString(holder));
        if (holder.kind === 'user') {
          if (holder.user !== this.user) throw integrityError(recordId);
          return unwrapForRecipient(this.privateKey, blob, aad);
        }
        const roleKey = this.roleKeys.get(db)?.get(holder.role);
        // Not a member of that role (or rolePrivateKeys(db) was not called): nothing here opens it.
        if (!roleKey) throw integrityError(recordId);
        return unwrapForRecipient(roleKey, blob, aad);
      }
    } catch (e) {
      if (e instanceof SafeholdError && e.code !== 'integrity') throw e;
      throw integrityError(recordId);
    }
    throw integrityError(recordId);
  }

  /** A record key wrapped under this user's own user key, as bytes. */
  private wrapBlobForSelf(recordId: string, part: RecordPart, key: Uint8Array): Uint8Array {
    return encrypt(this.userKey, key, keyWrapAad(recordId, part, `user:${this.user}`));
  }

  /** Wraps a record key under this user's own user key (creator copy, adoption). */
  wrapForSelf(recordId: string, part: RecordPart, key: Uint8Array): string {
    return toB64(this.wrapBlobForSelf(recordId, part, key));
  }

  /** Wraps a record key for another holder's X25519 public key (sharing, sealing). */
  wrapForHolder(recordId: string, part: RecordPart, key: Uint8Array, holder: KeyHolder, publicKey: Uint8Array): string {
    return toB64(wrapForRecipient(publicKey, key, keyWrapAad(recordId, part, holderString(holder))));
  }

  /** Overwrites every key held here (on lock). */
  zero(): void {
    zero(this.userKey, this.privateKey);
    for (const m of this.roleKeys.values()) for (const k of m.values()) zero(k);
    this.roleKeys.clear();
  }
}
