/**
 * THE caller of a service: who acts, from its session (formerly AuthContext, Actor and SyncCaller, the
 * same facts under three names). Services that only need part of it take `Pick<Caller, ...>`, so tests
 * and internal callers can pass exactly what the rule reads.
 */
export interface Caller {
  userId: string;
  /** The user's name (audit, wire answers). */
  user: string;
  /** The device of the session. */
  deviceId: string;
  admin: boolean;
}

/** The database a request works in (after the membership check). */
export interface DbScope {
  dbId: string;
  dbName: string;
}
