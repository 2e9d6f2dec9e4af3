/** What the HTTP layer is built from (the composition root, app.ts, passes it to every route). */
import type { Storage } from '../storage/open.js';
import type { Clock } from '../clock.js';
import type { ServerSigner } from '../services/serverkey.js';
import type { RateLimits } from '../config.js';

export interface AppDeps {
  storage: Storage;
  clock: Clock;
  signer: ServerSigner;
  /** Stable identity of this server (the same for every process on one storage); used in signed leases and orders. */
  serverId: string;
  limits: RateLimits;
  /** The Argon2id hashing of auth keys; default @safehold/crypto's hashAuthKey. */
  authHasher?: (authKey: Uint8Array) => Promise<string>;
}
