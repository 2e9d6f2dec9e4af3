/**
 * Test support for the SDK's specs (`@safehold/testkit/sdk`): a real server (../server), fresh homes, users.
 * The SDK's specs build in their own test project (packages/sdk/tsconfig.test.json), so importing the
 * testkit, which imports the SDK, makes no cycle.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Home, openSession, register, type ClientContext, type PasswordPrompt } from '@safehold/sdk';
import { startTestServer } from '../server/index.js';

/** The few Kysely operations the specs use to tamper with stored rows. */
export interface StorageDbLike {
  updateTable(table: string): { set(v: Record<string, unknown>): { where(col: string, op: '=', v: unknown): { execute(): Promise<unknown> } } };
  selectFrom(table: string): {
    selectAll(): { where(col: string, op: '=', v: unknown): { execute(): Promise<Array<Record<string, unknown>>> } };
  };
}

/** The part of the testkit's TestServer the SDK specs use (typed loosely: they tamper with rows by name). */
export interface TestServerLike {
  url: string;
  storage: { db: StorageDbLike };
  admin: {
    createDb(name: string, opts?: { offline?: boolean }): Promise<unknown>;
    addUser(name: string, db: string, opts?: { admin?: boolean }): Promise<string | null>;
  };
  close(): Promise<void>;
}

/** Starts a real test server (SQLite in a temp dir, HTTP on 127.0.0.1, port 0). */
export async function startServer(): Promise<TestServerLike> {
  return (await startTestServer()) as unknown as TestServerLike;
}

/** A temp dir removed by `cleanup`. */
export function tempHome(): string {
  return mkdtempSync(join(tmpdir(), 'safehold-sdk-'));
}

export const passwordOf = (user: string): string => `correct horse ${user} battery`;

/** A password prompt answering `pw` for every purpose. */
export function fixedPassword(pw: string): PasswordPrompt {
  return async () => pw;
}

export interface TestUserCtx {
  name: string;
  homeDir: string;
  home: Home;
  ctx: ClientContext;
  /** Opens a fresh context from the master password (as a new CLI invocation would). */
  reopen(password?: string): Promise<ClientContext>;
}

/** Invites `name` into `db` and registers with the SDK in a fresh home. */
export async function newUser(server: TestServerLike, name: string, db: string, dirs: string[]): Promise<TestUserCtx> {
  const invite = await server.admin.addUser(name, db);
  if (!invite) throw new Error(`user ${name} exists`);
  const homeDir = tempHome();
  dirs.push(homeDir);
  const home = new Home(homeDir);
  const ctx = await register({ home, server: server.url, user: name, invite, password: fixedPassword(passwordOf(name)) });
  return {
    name,
    homeDir,
    home,
    ctx,
    reopen: (password = passwordOf(name)) => openSession({ home, password: fixedPassword(password) }),
  };
}

/** Removes temp dirs. */
export function cleanup(dirs: string[]): void {
  for (const d of dirs) rmSync(d, { recursive: true, force: true });
}
