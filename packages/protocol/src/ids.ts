/** Branded identifier types: an id of one kind cannot be passed where another is expected. */
declare const brand: unique symbol;
export type Brand<T, B extends string> = T & { readonly [brand]: B };

/** A database's name (databases are addressed by name). */
export type DatabaseId = Brand<string, 'DatabaseId'>;
/** A user's name (users are addressed by name on one server). */
export type UserId = Brand<string, 'UserId'>;
/** A record id, made by the client: 128 random bits, base64url, 22 characters. */
export type RecordId = Brand<string, 'RecordId'>;
/** A revision id, made by the client like a record id. */
export type RevisionId = Brand<string, 'RevisionId'>;
/** A device id, made by the client once per home. */
export type DeviceId = Brand<string, 'DeviceId'>;
/** A release request id, made by the server. */
export type ReleaseId = Brand<string, 'ReleaseId'>;
/** A role's name (roles are addressed by name within one database). */
export type RoleId = Brand<string, 'RoleId'>;
/** A wipe order id, made by the server. */
export type OrderId = Brand<string, 'OrderId'>;

/**
 * The shape of every random id: 16 bytes in unpadded base64url, never beginning with '-' (ids are typed as
 * command-line arguments, where a leading '-' reads as an option; see ADR 0006).
 */
export const RANDOM_ID_PATTERN = /^[A-Za-z0-9_][A-Za-z0-9_-]{21}$/;
/** Names of users, databases and roles: a letter or digit first, then letters, digits, `.`, `_`, `-`; at most 64. */
export const NAME_PATTERN = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;

/** True when `s` has the shape of a client- or server-made random id. */
export function isRandomId(s: string): boolean {
  return RANDOM_ID_PATTERN.test(s);
}
/** True when `s` is a valid user, database or role name. */
export function isName(s: string): boolean {
  return NAME_PATTERN.test(s);
}
export const asRecordId = (s: string): RecordId => s as RecordId;
export const asRevisionId = (s: string): RevisionId => s as RevisionId;
export const asDeviceId = (s: string): DeviceId => s as DeviceId;
export const asUserId = (s: string): UserId => s as UserId;
export const asDatabaseId = (s: string): DatabaseId => s as DatabaseId;
export const asReleaseId = (s: string): ReleaseId => s as ReleaseId;
export const asRoleId = (s: string): RoleId => s as RoleId;
export const asOrderId = (s: string): OrderId => s as OrderId;
