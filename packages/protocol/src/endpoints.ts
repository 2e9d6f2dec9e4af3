/**
 * The typed endpoint table of the HTTP API, version 1 (every path is under `/v1`). One entry per endpoint:
 * method, path (fastify syntax, `:name` for a parameter), who may call it, and the names of its request and
 * answer schemas in `@safehold/protocol/api` / `transfer`. The SDK's client and the server's routes are both
 * built from it (ADR 0070). Schemas are named, not imported: this module loads no zod, so a client that
 * never checks an answer (an offline command) pays nothing for it; `schemas.ts` maps a name to its schema.
 */
import type { z } from 'zod';
import type * as Api from './api.js';
import type * as Transfer from './transfer.js';
import type { DatabaseId, DeviceId, OrderId, RecordId, ReleaseId, RoleId, UserId } from './ids.js';

type Modules = typeof Api & typeof Transfer;
/** The name of a wire schema of `@safehold/protocol/api` or `@safehold/protocol/transfer`. */
export type SchemaName = { [K in keyof Modules]: Modules[K] extends z.ZodType ? K : never }[keyof Modules];
/** What the schema of that name accepts, after parsing. */
export type WireOf<K extends SchemaName> = z.output<Modules[K]>;
/** What a sender passes to the schema of that name (defaults not yet applied). */
export type WireInputOf<K extends SchemaName> = z.input<Modules[K]>;

export type HttpMethod = 'GET' | 'POST' | 'PUT' | 'DELETE';

/**
 * Who may call: `none` public; `session` a bearer token; `member` a bearer token of a member of `:db`;
 * `device` no session, but a body signed by the device's own key (spec §4, 12.4).
 */
export type EndpointAuth = 'none' | 'session' | 'member' | 'device';

export interface EndpointDef {
  readonly method: HttpMethod;
  readonly path: string;
  readonly auth: EndpointAuth;
  /** The request body's schema; none: the endpoint takes no body (any field sent is refused). */
  readonly body?: SchemaName;
  /** The query's schema; none: the endpoint takes no query parameters (any is refused). */
  readonly query?: SchemaName;
  /** The answer's schema. */
  readonly response: SchemaName;
  /** The body may be left out (it then reads as `{}`). */
  readonly optionalBody?: true;
  /** Neither query nor body is checked (public probes and the offline info, as before the table). */
  readonly unchecked?: true;
}

/** Every endpoint of /v1. A new route is an entry here first; the server test checks both sides match. */
export const ENDPOINTS = {
  health: { method: 'GET', path: '/health', auth: 'none', response: 'Health', unchecked: true },
  serverKey: { method: 'GET', path: '/server-key', auth: 'none', response: 'ServerKey', unchecked: true },
  prelogin: { method: 'POST', path: '/prelogin', auth: 'none', body: 'PreloginRequest', response: 'PreloginResponse' },
  register: { method: 'POST', path: '/register', auth: 'none', body: 'RegisterRequest', response: 'Session' },
  login: { method: 'POST', path: '/login', auth: 'none', body: 'LoginRequest', response: 'Session' },
  logout: { method: 'POST', path: '/logout', auth: 'session', response: 'Ok' },
  me: { method: 'GET', path: '/me', auth: 'session', response: 'Me' },
  changePassword: { method: 'PUT', path: '/me/password', auth: 'session', body: 'ChangePasswordRequest', response: 'Ok' },
  setSigningKey: { method: 'PUT', path: '/me/signing-key', auth: 'session', body: 'SigningKeyRequest', response: 'Ok' },
  // An existing device's key, once (12.4).
  setDeviceKey: { method: 'PUT', path: '/me/device-key', auth: 'session', body: 'DeviceKeyRequest', response: 'Ok' },
  // Only of users sharing a database with the caller.
  publicKey: { method: 'GET', path: '/users/:user/public-key', auth: 'session', response: 'PublicKey' },

  // Headers only: secrets never leave the server in a list.
  listRecords: { method: 'GET', path: '/db/:db/records', auth: 'member', response: 'RecordList' },
  createRecord: { method: 'POST', path: '/db/:db/records', auth: 'member', body: 'CreateRecordRequest', response: 'RecordWire' },
  // The secret included when the caller may have it.
  getRecord: { method: 'GET', path: '/db/:db/records/:id', auth: 'member', response: 'RecordWire' },
  updateRecord: { method: 'PUT', path: '/db/:db/records/:id', auth: 'member', body: 'UpdateRecordRequest', response: 'RecordWire' },
  deleteRecord: { method: 'DELETE', path: '/db/:db/records/:id', auth: 'member', response: 'Ok' },
  recordHistory: { method: 'GET', path: '/db/:db/records/:id/history', auth: 'member', response: 'History' },
  getGrants: { method: 'GET', path: '/db/:db/records/:id/grants', auth: 'member', response: 'Grants' },
  putGrant: { method: 'PUT', path: '/db/:db/records/:id/grants', auth: 'member', body: 'GrantRequest', response: 'Grants' },
  deleteGrant: { method: 'DELETE', path: '/db/:db/records/:id/grants', auth: 'member', query: 'GrantQuery', response: 'Grants' },
  // Key adoption: the caller's own wrap of a shared record's keys (one record, or a batch below).
  adoptKeys: { method: 'PUT', path: '/db/:db/records/:id/keys', auth: 'member', body: 'AdoptKeysRequest', response: 'Ok' },
  adoptKeysBatch: { method: 'POST', path: '/db/:db/keys/adopt', auth: 'member', body: 'AdoptBatchRequest', response: 'AdoptBatchResponse' },
  setMask: { method: 'PUT', path: '/db/:db/records/:id/mask', auth: 'member', body: 'MaskRequest', response: 'RecordWire' },
  sealRecord: { method: 'PUT', path: '/db/:db/records/:id/seal', auth: 'member', body: 'SealRequest', response: 'RecordWire' },
  unsealRecord: { method: 'DELETE', path: '/db/:db/records/:id/seal', auth: 'member', response: 'RecordWire' },

  requestRelease: {
    method: 'POST',
    path: '/db/:db/records/:id/releases',
    auth: 'member',
    body: 'ReleaseRequestBody',
    optionalBody: true,
    response: 'Release',
  },
  // The caller's, as requester or approver.
  listReleases: { method: 'GET', path: '/db/:db/releases', auth: 'member', response: 'ReleaseList' },
  approveRelease: { method: 'POST', path: '/db/:db/releases/:rid/approve', auth: 'member', response: 'Release' },

  listRoles: { method: 'GET', path: '/db/:db/roles', auth: 'member', response: 'RoleList' },
  createRole: { method: 'POST', path: '/db/:db/roles', auth: 'member', body: 'CreateRoleRequest', response: 'RoleWire' },
  addRoleMember: { method: 'PUT', path: '/db/:db/roles/:role/members/:user', auth: 'member', body: 'AddMemberRequest', response: 'RoleWire' },
  removeRoleMember: { method: 'DELETE', path: '/db/:db/roles/:role/members/:user', auth: 'member', response: 'RoleWire' },
  signRole: { method: 'PUT', path: '/db/:db/roles/:role/signature', auth: 'member', body: 'RoleSignatureRequest', response: 'RoleWire' },

  offlineInfo: { method: 'GET', path: '/db/:db/offline', auth: 'session', response: 'OfflineInfo', unchecked: true },
  syncChanges: { method: 'GET', path: '/db/:db/offline/changes', auth: 'session', query: 'SyncQuery', response: 'SyncResponse' },
  // Queued offline edits (E5), each applied once.
  pushOffline: { method: 'POST', path: '/db/:db/offline/push', auth: 'member', body: 'PushRequest', response: 'PushResponse' },
  // A device's pending wipe orders, and its acknowledgement: signed by its device key (12.4).
  deviceOrders: { method: 'POST', path: '/devices/:deviceId/orders', auth: 'device', body: 'DeviceSigned', response: 'Orders' },
  ackOrder: { method: 'POST', path: '/devices/:deviceId/orders/:orderId/ack', auth: 'device', body: 'DeviceSigned', response: 'Ok' },

  importRecords: { method: 'POST', path: '/db/:db/import', auth: 'member', body: 'ImportRequest', response: 'ImportResponse' },
  importCheck: { method: 'POST', path: '/db/:db/import/check', auth: 'member', body: 'ImportCheckRequest', response: 'ImportCheckResponse' },
  exportRecords: { method: 'POST', path: '/db/:db/export', auth: 'member', body: 'ExportRequest', response: 'ExportResponse' },
} as const satisfies Record<string, EndpointDef>;

export type Endpoints = typeof ENDPOINTS;
export type EndpointName = keyof Endpoints;

/** The `:name` parameters of a path template. */
export type ParamNames<P extends string> = P extends `${string}:${infer N}/${infer Rest}`
  ? N | ParamNames<`/${Rest}`>
  : P extends `${string}:${infer N}`
    ? N
    : never;

/** The branded id type of each path parameter name. */
export interface ParamTypes {
  db: DatabaseId;
  id: RecordId;
  user: UserId;
  role: RoleId;
  rid: ReleaseId;
  deviceId: DeviceId;
  orderId: OrderId;
}

/** The path parameters of an endpoint, each with its branded id type. */
export type ParamsOf<E extends EndpointDef> = { [N in ParamNames<E['path']>]: N extends keyof ParamTypes ? ParamTypes[N] : string };
/** The schema of what a client sends: the body's, or for an endpoint with a query schema the query's. */
export type RequestSchemaOf<E extends EndpointDef> = E extends { body: infer B extends SchemaName }
  ? B
  : E extends { query: infer Q extends SchemaName }
    ? Q
    : never;
/** What a client sends (the body or the query); undefined for an endpoint that takes neither. */
export type RequestOf<E extends EndpointDef> = [RequestSchemaOf<E>] extends [never] ? undefined : WireInputOf<RequestSchemaOf<E>>;
/** The server's parsed request body (or query) of an endpoint. */
export type ParsedRequestOf<E extends EndpointDef> = [RequestSchemaOf<E>] extends [never] ? undefined : WireOf<RequestSchemaOf<E>>;
/** The answer of an endpoint. */
export type ResponseOf<E extends EndpointDef> = WireOf<E['response']>;

/** Fills the path parameters of `path` (each URI-encoded); a parameter left out is an error, not "undefined". */
export function fillPath(path: string, params: Readonly<Record<string, string>>): string {
  return path.replace(/:([A-Za-z]+)/g, (_m, name: string) => {
    const v = params[name];
    if (v === undefined) throw new TypeError(`missing path parameter ${name} of ${path}`);
    return encodeURIComponent(v);
  });
}
