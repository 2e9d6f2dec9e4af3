/**
 * The client home: one device, several accounts (server + user). Only public or protected data is
 * written here: wrapped keys, pinned public keys, the session token encrypted under the user key.
 */
import { rmSync, readdirSync, existsSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { hostname, homedir } from 'node:os';
import { join } from 'node:path';
import { SafeholdError } from '@safehold/protocol';
import { atomicWriteFile, readJsonIfExists } from '@safehold/store';
import { randomId } from './keys/index.js';
import type { DbInfo, DeviceInfo, KdfParams as WireKdfParams } from '@safehold/protocol/api';

/** The device key as the account file keeps it. */
export interface StoredDeviceKey {
  publicKey: string;
  /** The Ed25519 private key (seed), wrapped by the user key. */
  privateKeyEnc: string;
  /** True once the server has it (sent at register/login, or PUT /v1/me/device-key). */
  registered: boolean;
}

/** account.json: everything needed to unlock an account without the server. */
export interface AccountFile {
  server: string;
  user: string;
  /** The database picked with `safehold use`, if any. */
  db: string | null;
  databases: DbInfo[];
  admin: boolean;
  kdf: WireKdfParams;
  /** The user key wrapped by the key-encryption key (AAD userKeyAad). */
  userKeyEnc: string;
  publicKey: string;
  /** The X25519 private key wrapped by the user key (AAD privateKeyAad). */
  privateKeyEnc: string;
  /** The server's Ed25519 key, pinned at register (or first login on this device). */
  signingPublicKey: string;
  /** Other users' X25519 public keys, pinned on first use. */
  pinnedKeys: Record<string, string>;
  /** Set when the account was registered or logged in with --insecure-http (plain http:// to a remote host). */
  insecureHttp?: boolean;
  /** Other users' Ed25519 signing keys (role-key signatures), pinned on first use (12.2). */
  pinnedSigningKeys?: Record<string, string>;
  /** Role public keys by "db/role", pinned on first use after their signature verified, or by `trust --role`. */
  pinnedRoleKeys?: Record<string, string>;
  /** The server's id (the `server` field of its leases), from register or the first lease (12.11). */
  serverId?: string;
  /** True once this account's signing key was published to the server. */
  signingKeyPublished?: boolean;
  /** This device's Ed25519 key for the account (12.4); absent for accounts made before device keys. */
  deviceKey?: StoredDeviceKey;
}

/** token.json: the session token, encrypted under the user key. */
export interface TokenFile {
  tokenEnc: string;
  expiresAt: string;
}

/** unlock.json: user key and auth key encrypted under the SAFEHOLD_SESSION key. */
export interface UnlockFile {
  enc: string;
}

export interface HomeState {
  lastAccount: { server: string; user: string } | null;
}

/** Default home: $SAFEHOLD_HOME, else the platform data dir. */
export function defaultHomeDir(env: NodeJS.ProcessEnv = process.env, platform: NodeJS.Platform = process.platform): string {
  if (env.SAFEHOLD_HOME) return env.SAFEHOLD_HOME;
  if (platform === 'win32') return join(env.APPDATA ?? join(homedir(), 'AppData', 'Roaming'), 'Safehold');
  if (platform === 'darwin') return join(homedir(), 'Library', 'Application Support', 'Safehold');
  return join(env.XDG_DATA_HOME || join(homedir(), '.local', 'share'), 'safehold');
}

/** The client home directory (one device). */
export class Home {
  readonly dir: string;
  constructor(dir: string) {
    this.dir = dir;
  }

  /** This home's device identity, created on first use (stable for the life of the home). */
  device(): DeviceInfo {
    const p = join(this.dir, 'device.json');
    const existing = this.readJson<DeviceInfo>(p);
    if (existing) return existing;
    const dev: DeviceInfo = { id: randomId(), name: (hostname() || 'device').slice(0, 128) };
    this.writeJson(p, dev);
    return dev;
  }

  /** Directory of one account's files. */
  accountDir(server: string, user: string): string {
    const h = createHash('sha256').update(`${server}|${user}`).digest('base64url').slice(0, 16);
    return join(this.dir, 'accounts', h);
  }

  readAccount(server: string, user: string): AccountFile | null {
    return this.readJson<AccountFile>(join(this.accountDir(server, user), 'account.json'));
  }

  writeAccount(a: AccountFile): void {
    this.writeJson(join(this.accountDir(a.server, a.user), 'account.json'), a);
  }

  /** Every account known on this device. */
  listAccounts(): AccountFile[] {
    const root = join(this.dir, 'accounts');
    if (!existsSync(root)) return [];
    const out: AccountFile[] = [];
    for (const d of readdirSync(root)) {
      const a = this.readJson<AccountFile>(join(root, d, 'account.json'));
      if (a) out.push(a);
    }
    return out;
  }

  readToken(server: string, user: string): TokenFile | null {
    return this.readJson<TokenFile>(join(this.accountDir(server, user), 'token.json'));
  }
  writeToken(server: string, user: string, t: TokenFile): void {
    this.writeJson(join(this.accountDir(server, user), 'token.json'), t);
  }
  removeToken(server: string, user: string): void {
    rmSync(join(this.accountDir(server, user), 'token.json'), { force: true });
  }

  readUnlock(server: string, user: string): UnlockFile | null {
    return this.readJson<UnlockFile>(join(this.accountDir(server, user), 'unlock.json'));
  }
  writeUnlock(server: string, user: string, u: UnlockFile): void {
    this.writeJson(join(this.accountDir(server, user), 'unlock.json'), u);
  }
  removeUnlock(server: string, user: string): void {
    rmSync(join(this.accountDir(server, user), 'unlock.json'), { force: true });
  }

  readState(): HomeState {
    return this.readJson<HomeState>(join(this.dir, 'state.json')) ?? { lastAccount: null };
  }
  writeState(s: HomeState): void {
    this.writeJson(join(this.dir, 'state.json'), s);
  }

  /** Reads a JSON file of the home; null when absent. */
  readJson<T>(path: string): T | null {
    return readJsonIfExists<T>(path, () => new SafeholdError('internal', `the client file ${path} is corrupt`));
  }

  /**
   * Writes a JSON file atomically and durably (fsync of the file and its directory: the account file
   * holds the wrapped keys), readable by the owner only.
   */
  writeJson(path: string, value: unknown): void {
    atomicWriteFile(path, JSON.stringify(value, null, 2) + '\n');
  }
}
