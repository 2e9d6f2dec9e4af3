/**
 * The HTTP API of Safehold, version 1: every request and answer body as a zod schema.
 * The server validates every input with these (unknown fields refused: `.strict()`);
 * the SDK validates what the server answers. Binary values travel as unpadded base64url (`B64`).
 *
 * The endpoints (all under /v1: method, path, who may call, and which of these schemas each takes and
 * answers) are listed once, in the typed table `ENDPOINTS` of `./endpoints.ts` (`@safehold/protocol/endpoints`),
 * from which the SDK's client and the server's routes are both built.
 */
import { z } from 'zod';
import { NAME_PATTERN, RANDOM_ID_PATTERN } from './ids.js';
import { MAX_ADOPT_BATCH, MAX_PUSH_OPS, MAX_SYNC_LIMIT, RIGHTS, WIPE_REASONS } from './constants.js';

/** Largest request body the server accepts (bytes). */
export const MAX_BODY_BYTES = 1024 * 1024;
export { API_VERSION, MAX_SYNC_LIMIT, DEFAULT_SYNC_LIMIT, MAX_ADOPT_BATCH, MAX_PUSH_OPS, RIGHTS, WIPE_REASONS } from './constants.js';

export const B64 = z.string().regex(/^[A-Za-z0-9_-]*$/, 'expected unpadded base64url').max(400_000);
export const Name = z.string().regex(NAME_PATTERN, 'expected a name: letters, digits, . _ - (at most 64)');
export const RandomId = z.string().regex(RANDOM_ID_PATTERN, 'expected a 22-character random id');
export const IsoTime = z.string().datetime({ offset: true });

export const Right = z.enum(RIGHTS);
export type Right = z.infer<typeof Right>;

/** Argon2id parameters carried with every derived key (validated by packages/crypto: m >= 64 MiB, t >= 3). */
export const KdfParams = z
  .object({
    alg: z.literal('argon2id'),
    memoryKiB: z.number().int().positive(),
    iterations: z.number().int().positive(),
    parallelism: z.number().int().positive().max(16),
    salt: B64,
  })
  .strict();
export type KdfParams = z.infer<typeof KdfParams>;

export const Ok = z.object({ ok: z.literal(true) }).strict();
export type Ok = z.infer<typeof Ok>;
export const Health = z.object({ ok: z.literal(true), version: z.string() });
export type Health = z.infer<typeof Health>;
/**
 * The server's Ed25519 public key (raw 32 bytes), pinned by clients at registration, and the chain of key
 * rotations (oldest first): each `payload` is `{"kind":"safehold-server-key-rotation","previous","next","at"}`,
 * signed by `previous` (issue 12.10).
 */
export const ServerKey = z
  .object({
    signingPublicKey: B64,
    /** The server's stable id, the `server` field of its leases (12.11). */
    serverId: z.string().max(64).optional(),
    rotations: z.array(z.object({ payload: z.string().max(1000), signature: B64 }).strict()).max(10_000).optional(),
  })
  .strict();
export type ServerKey = z.infer<typeof ServerKey>;

/** `publicKey`: the device's Ed25519 key for this account (12.4), raw 32 bytes; it signs wipe-order fetches and acknowledgements. */
export const DeviceInfo = z.object({ id: RandomId, name: z.string().min(1).max(128), publicKey: B64.max(64).optional() }).strict();
export type DeviceInfo = z.infer<typeof DeviceInfo>;

export const PreloginRequest = z.object({ user: Name }).strict();
/** For an unknown user the server answers stable fake parameters, so existence is not leaked. */
export const PreloginResponse = z.object({ kdf: KdfParams }).strict();
export type PreloginResponse = z.infer<typeof PreloginResponse>;

export const RegisterRequest = z
  .object({
    user: Name,
    invite: z.string().min(1).max(200),
    kdf: KdfParams,
    /** The client-derived auth key (32 bytes); the server stores only a slow hash of it. */
    authKey: B64,
    /** The random user key, AEAD-wrapped by the key-encryption key. */
    userKeyEnc: B64,
    /** X25519 public key (raw 32 bytes). */
    publicKey: B64,
    /** X25519 private key, AEAD-wrapped by the user key. */
    privateKeyEnc: B64,
    device: DeviceInfo,
  })
  .strict();
export type RegisterRequest = z.infer<typeof RegisterRequest>;

export const LoginRequest = z.object({ user: Name, authKey: B64, device: DeviceInfo }).strict();
export type LoginRequest = z.infer<typeof LoginRequest>;

export const DbInfo = z
  .object({
    name: Name,
    /** Offline mode enabled for this database by an admin (R1). */
    offline: z.boolean(),
    /** This user holds the offline right in this database (R2). */
    offlineRight: z.boolean(),
    offlineDays: z.number().int().nonnegative(),
  })
  .strict();
export type DbInfo = z.infer<typeof DbInfo>;

export const Session = z
  .object({
    token: z.string().min(20),
    expiresAt: IsoTime,
    user: Name,
    admin: z.boolean(),
    device: RandomId,
    kdf: KdfParams,
    userKeyEnc: B64,
    publicKey: B64,
    privateKeyEnc: B64,
    signingPublicKey: B64,
    databases: z.array(DbInfo),
  })
  .strict();
export type Session = z.infer<typeof Session>;

export const Me = z
  .object({ user: Name, admin: z.boolean(), device: RandomId, publicKey: B64, databases: z.array(DbInfo) })
  .strict();
export type Me = z.infer<typeof Me>;

export const ChangePasswordRequest = z
  .object({ currentAuthKey: B64, authKey: B64, kdf: KdfParams, userKeyEnc: B64 })
  .strict();
export type ChangePasswordRequest = z.infer<typeof ChangePasswordRequest>;

/** `signingKey`: the user's Ed25519 key for role-key signatures (12.2); null until their client uploaded it. */
export const PublicKey = z.object({ user: Name, publicKey: B64, signingKey: B64.nullable().optional() }).strict();
/** PUT /me/signing-key: the caller's Ed25519 public key (set once; the same key again is a no-op). */
export const SigningKeyRequest = z.object({ signingKey: B64 }).strict();
export type SigningKeyRequest = z.infer<typeof SigningKeyRequest>;
export type PublicKey = z.infer<typeof PublicKey>;

/**
 * A record's two keys as held by one grantee. Each is either an AEAD envelope under the holder's
 * user key (adopted) or an HPKE wrap for a user's or role's public key: the first byte of the blob
 * (crypto envelope version) tells which. `secret` is null when withheld (seal) or not given.
 */
export const WrappedKeys = z.object({ header: B64, secret: B64.nullable() }).strict();
export type WrappedKeys = z.infer<typeof WrappedKeys>;

export const KeyHolder = z.union([
  z.object({ kind: z.literal('user'), user: Name }).strict(),
  z.object({ kind: z.literal('role'), role: Name }).strict(),
]);
export type KeyHolder = z.infer<typeof KeyHolder>;

export const SealInfo = z
  .object({ approvers: z.array(Name), required: z.number().int().positive(), windowMinutes: z.number().int().positive() })
  .strict();
export type SealInfo = z.infer<typeof SealInfo>;

/** A record as the server sends it to one user. */
export const RecordWire = z
  .object({
    id: RandomId,
    db: Name,
    revision: RandomId,
    creator: Name,
    createdAt: IsoTime,
    updatedAt: IsoTime,
    updatedBy: Name,
    masked: z.boolean(),
    sealed: z.boolean(),
    seal: SealInfo.nullable(),
    /** AEAD envelope of the header JSON under the header key. */
    header: B64,
    /** AEAD envelope of the secret JSON under the secret key; null when omitted (lists) or withheld (seal). */
    secret: B64.nullable(),
    /** The keys as held by the caller (its own row, or a role row it can open); which one is said by `keyHolder`. */
    keys: WrappedKeys.nullable(),
    keyHolder: KeyHolder.nullable(),
    /** The caller's effective rights (direct and through roles). */
    rights: z.array(Right),
  })
  .strict();
export type RecordWire = z.infer<typeof RecordWire>;

export const RecordList = z.object({ records: z.array(RecordWire) }).strict();
export type RecordList = z.infer<typeof RecordList>;

export const CreateRecordRequest = z
  .object({
    id: RandomId,
    revision: RandomId,
    header: B64,
    secret: B64,
    /** Both keys wrapped under the creator's user key. */
    keys: z.object({ header: B64, secret: B64 }).strict(),
    masked: z.boolean().default(false),
  })
  .strict();
export type CreateRecordRequest = z.input<typeof CreateRecordRequest>;

export const UpdateRecordRequest = z
  .object({ baseRevision: RandomId, revision: RandomId, header: B64, secret: B64 })
  .strict();
export type UpdateRecordRequest = z.infer<typeof UpdateRecordRequest>;

export const HistoryEntry = z
  .object({
    revision: RandomId,
    updatedAt: IsoTime,
    updatedBy: Name,
    header: B64,
    secret: B64.nullable(),
    /** An offline version that lost a same-field conflict (E5): kept in history, never current. */
    conflict: z.boolean().optional(),
  })
  .strict();
export const History = z.object({ record: RandomId, revisions: z.array(HistoryEntry) }).strict();
export type History = z.infer<typeof History>;

export const Grant = z.union([
  z.object({ user: Name, rights: z.array(Right) }).strict(),
  z.object({ role: Name, rights: z.array(Right) }).strict(),
]);
export type Grant = z.infer<typeof Grant>;
export const Grants = z.object({ record: RandomId, creator: Name, grants: z.array(Grant) }).strict();
export type Grants = z.infer<typeof Grants>;

/** Sets the grantee's rights to exactly `rights`. `keys` is required unless the grantee already holds keys. */
export const GrantRequest = z
  .object({
    grantee: KeyHolder,
    rights: z.array(Right).min(1),
    keys: WrappedKeys.optional(),
  })
  .strict();
export type GrantRequest = z.infer<typeof GrantRequest>;
/** The query of a grant removal: the user or the role that loses its grant. */
export const GrantQuery = z.union([z.object({ user: Name }).strict(), z.object({ role: Name }).strict()]);
export type GrantQuery = z.infer<typeof GrantQuery>;

/** Key adoption: replace the caller's copy with keys wrapped under its own user key. */
export const AdoptKeysRequest = z.object({ header: B64, secret: B64.nullable() }).strict();
export type AdoptKeysRequest = z.infer<typeof AdoptKeysRequest>;

/**
 * Batch key adoption (first syncs): one entry per record. Records the caller cannot read (any more)
 * are skipped and named in the answer; a null `secret` keeps the stored secret key. While a record is
 * sealed for the caller, its stored secret key is kept whatever is sent.
 */
export const AdoptBatchRequest = z
  .object({
    keys: z
      .array(z.object({ record: RandomId, header: B64, secret: B64.nullable() }).strict())
      .min(1)
      .max(MAX_ADOPT_BATCH),
  })
  .strict();
export type AdoptBatchRequest = z.infer<typeof AdoptBatchRequest>;
export const AdoptBatchResponse = z.object({ adopted: z.number().int().nonnegative(), skipped: z.array(RandomId) }).strict();
export type AdoptBatchResponse = z.infer<typeof AdoptBatchResponse>;

export const MaskRequest = z.object({ masked: z.boolean() }).strict();

/**
 * Sealing rotates the secret key: the client sends the secret part re-encrypted under a fresh key
 * (as a new revision) and that key wrapped for every current key holder (users by public key, roles by
 * public key, its own copy under its user key). The server withholds them until a release.
 */
/** Most approvers one seal may name (bounds the server's lookups). */
export const MAX_SEAL_APPROVERS = 100;
export const SealRequest = z
  .object({
    approvers: z.array(Name).min(1).max(MAX_SEAL_APPROVERS),
    required: z.number().int().positive(),
    windowMinutes: z.number().int().positive().max(60 * 24 * 30),
    baseRevision: RandomId,
    revision: RandomId,
    header: B64,
    secret: B64,
    secretKeys: z.array(z.object({ holder: KeyHolder, secret: B64 }).strict()).min(1).max(MAX_ADOPT_BATCH),
  })
  .strict();
export type SealRequest = z.infer<typeof SealRequest>;

/** What a release is for: reading the sealed secret, or lifting the seal (which needs the same quorum). */
export const RELEASE_KINDS = ['read', 'unseal'] as const;
export const ReleaseKind = z.enum(RELEASE_KINDS);
export type ReleaseKind = z.infer<typeof ReleaseKind>;
export const ReleaseRequestBody = z.object({ reason: z.string().max(1000).default(''), kind: ReleaseKind.default('read') }).strict();
export const RELEASE_STATUS = ['pending', 'approved', 'expired'] as const;
export const Release = z
  .object({
    id: RandomId,
    record: RandomId,
    db: Name,
    requester: Name,
    reason: z.string(),
    kind: ReleaseKind,
    approvals: z.number().int().nonnegative(),
    approvers: z.array(Name),
    required: z.number().int().positive(),
    status: z.enum(RELEASE_STATUS),
    createdAt: IsoTime,
    expiresAt: IsoTime.nullable(),
  })
  .strict();
export type Release = z.infer<typeof Release>;
export const ReleaseList = z.object({ releases: z.array(Release) }).strict();
export type ReleaseList = z.infer<typeof ReleaseList>;

export const RoleWire = z
  .object({
    name: Name,
    db: Name,
    creator: Name,
    publicKey: B64,
    members: z.array(Name),
    /** The role's private key wrapped (HPKE) for the caller, when the caller is a member. */
    myKey: B64.nullable(),
    /**
     * 12.2: `payload` is `{"kind":"safehold-role-key","db","role","publicKey","signer"}` signed (Ed25519) by the
     * signer's signing key; null for a role not signed yet.
     */
    keySignature: z.object({ payload: z.string().max(2000), signature: B64 }).strict().nullable().optional(),
  })
  .strict();
export type RoleWire = z.infer<typeof RoleWire>;
/** PUT /db/:db/roles/:role/signature: the role key's signature (by the creator, or a member). */
export const RoleSignatureRequest = z.object({ keySignature: z.object({ payload: z.string().max(2000), signature: B64 }).strict() }).strict();
export type RoleSignatureRequest = z.infer<typeof RoleSignatureRequest>;
export const RoleList = z.object({ roles: z.array(RoleWire) }).strict();
export type RoleList = z.infer<typeof RoleList>;
/** `memberKey`: the role's private key wrapped (HPKE) for the creator. */
export const CreateRoleRequest = z
  .object({ name: Name, publicKey: B64, memberKey: B64, keySignature: z.object({ payload: z.string().max(2000), signature: B64 }).strict().optional() })
  .strict();
export type CreateRoleRequest = z.infer<typeof CreateRoleRequest>;
/** `memberKey`: the role's private key wrapped (HPKE) for the new member's public key. */
export const AddMemberRequest = z.object({ memberKey: B64 }).strict();
export type AddMemberRequest = z.infer<typeof AddMemberRequest>;

export const OfflineInfo = z
  .object({ db: Name, enabled: z.boolean(), right: z.boolean(), offlineDays: z.number().int().nonnegative() })
  .strict();
export type OfflineInfo = z.infer<typeof OfflineInfo>;

/** A document signed by the server's Ed25519 key: `signature` covers the UTF-8 bytes of `payload`. */
export const Signed = z.object({ payload: z.string(), signature: B64 }).strict();
export type Signed = z.infer<typeof Signed>;

/** The payload of a lease (JSON in Signed.payload). Times are ISO strings. */
export const LeasePayload = z
  .object({
    type: z.literal('lease'),
    server: z.string(),
    user: Name,
    device: RandomId,
    db: Name,
    offlineDays: z.number().int().nonnegative(),
    issuedAt: IsoTime,
    expiresAt: IsoTime,
    /** The user may add, edit and delete records offline (E5); absent in leases of older servers (= false). */
    offlineEdits: z.boolean().optional(),
    instance: z.string().min(1).max(64).optional(),
    instanceCreatedAt: IsoTime.optional(),
  })
  .strict();
export type LeasePayload = z.infer<typeof LeasePayload>;

/** The payload of a wipe order. `db` null means every offline database of this user on the device. */
export const WipePayload = z
  .object({
    type: z.literal('wipe'),
    server: z.string(),
    user: Name,
    device: RandomId,
    db: Name.nullable(),
    reason: z.enum(WIPE_REASONS),
    issuedAt: IsoTime,
    id: RandomId.optional(),
    instance: z.string().min(1).max(64).optional(),
    instanceCreatedAt: IsoTime.optional(),
  })
  .strict();
export type WipePayload = z.infer<typeof WipePayload>;

/**
 * A request that a device signs with its device key (12.4): wipe orders are fetched and acknowledged
 * only by the device itself, which may have no session left (revoked, user removed). `at` is the
 * client's time (the server accepts ±5 minutes); `signature` is Ed25519 over deviceRequestMessage().
 */
export const DeviceSigned = z.object({ user: Name, at: IsoTime, signature: B64.max(200) }).strict();
export type DeviceSigned = z.infer<typeof DeviceSigned>;
export const DeviceKeyRequest = z.object({ publicKey: B64.max(64) }).strict();
export type DeviceKeyRequest = z.infer<typeof DeviceKeyRequest>;

export const Orders = z.object({ orders: z.array(Signed) }).strict();
export type Orders = z.infer<typeof Orders>;

/**
 * One page of a delta sync. `reset` is true when the client must rebuild from a snapshot (cursor 0 or
 * older than the kept change log); while paging through a reset the server pins the snapshot in the cursor.
 * `reset` is true on every page of a reset; the page with `hasMore` false ends it (swap the fresh copy in then).
 * `removed` lists only ids this device was given before that left the eligible set.
 * `cursor` is opaque to the client: store it and send it back (docs/adr/0004-sync-protocol.md).
 */
export const SyncChanges = z
  .object({
    kind: z.literal('changes'),
    reset: z.boolean(),
    records: z.array(RecordWire),
    removed: z.array(RandomId),
    cursor: z.string().max(200),
    hasMore: z.boolean(),
    /** Number of records eligible for this user (for progress bars), when known: on the pages of a reset; null on deltas. */
    total: z.number().int().nonnegative().nullable(),
    lease: Signed,
  })
  .strict();
export const SyncWipe = z.object({ kind: z.literal('wipe'), wipe: Signed }).strict();
export const SyncResponse = z.discriminatedUnion('kind', [SyncChanges, SyncWipe]);
/** The query of a delta sync page: the cursor of the last page (none for the first) and the page size. */
export const SyncQuery = z
  .object({
    cursor: z.string().max(200).optional(),
    limit: z.coerce.number().int().min(1).max(MAX_SYNC_LIMIT).optional(),
  })
  .strict();
export type SyncQuery = z.input<typeof SyncQuery>;
export type SyncResponse = z.infer<typeof SyncResponse>;
export type SyncChanges = z.infer<typeof SyncChanges>;


/**
 * One queued offline change (E5). `opId` is made by the client when the change is queued: the server
 * records it with the outcome, so a retried push (its answer lost) is applied once. `baseRevision` is the
 * revision the change was made on (null for a create). `conflict` is the offline version itself, sent with
 * a merged update when a field was changed on both sides: it is kept in the record's history, marked.
 */
export const PushOp = z
  .object({
    opId: RandomId,
    kind: z.enum(['create', 'update', 'delete']),
    record: RandomId,
    baseRevision: RandomId.nullable(),
    revision: RandomId.nullable(),
    header: B64.nullable(),
    secret: B64.nullable(),
    /** For a create: the creator's two wrapped keys. */
    keys: z.object({ header: B64, secret: B64 }).strict().nullable(),
    masked: z.boolean(),
    conflict: z.object({ revision: RandomId, header: B64, secret: B64 }).strict().nullable(),
    /** How many fields were in conflict (audited as a count). */
    conflictFields: z.number().int().nonnegative(),
  })
  .strict();
export type PushOp = z.infer<typeof PushOp>;
export const PushRequest = z.object({ ops: z.array(PushOp).min(1).max(MAX_PUSH_OPS) }).strict();
export type PushRequest = z.infer<typeof PushRequest>;

/**
 * The outcome of one pushed change. `applied`: in place (also for a replay); `conflict`: a merged update
 * applied with the offline version kept in history, or a delete not applied because the record was edited
 * on the server; `deleted`: edited offline but deleted on the server (nothing applied); `rejected`: refused
 * (`reason`: a right withdrawn, sealed, not a member); `stale`: not applied, the base is not current
 * (`current` is the record as the caller sees it): merge and send again. The server stops at a `stale`:
 * the ops after it get no result and are sent again.
 */
export const PushResult = z
  .object({
    opId: RandomId,
    status: z.enum(['applied', 'conflict', 'deleted', 'rejected', 'stale']),
    reason: z.string().max(200).nullable(),
    revision: RandomId.nullable(),
    current: RecordWire.nullable(),
  })
  .strict();
export type PushResult = z.infer<typeof PushResult>;
export const PushResponse = z.object({ results: z.array(PushResult) }).strict();
export type PushResponse = z.infer<typeof PushResponse>;
