/**
 * Helpers of the crash campaign (issue 17): run the real client and SIGKILL it after a seeded delay,
 * check the offline file with SQLite's own integrity check, and compare the offline copy with the server.
 */
import { spawn } from 'node:child_process';
import { join } from 'node:path';
import { Home, listRecords, openSession, unlockOffline, zeroContext, type ClientContext } from '@safehold/sdk';
import { CLIENT_BIN, type World } from '../offline-harness.js';

/** Runs `safehold ...args` as `user` and kills it with SIGKILL after `delayMs`; resolves when it is gone. */
export function runAndKill(w: World, user: string, args: string[], delayMs: number): Promise<{ killed: boolean; code: number | null }> {
  return new Promise((resolve, reject) => {
    const p = spawn(process.execPath, [CLIENT_BIN, ...args], {
      stdio: 'ignore',
      env: { PATH: process.env.PATH, SAFEHOLD_HOME: w.home(user), HOME: join(w.dir, `hh-${user}`), SAFEHOLD_PASSWORD: w.password(user) },
    });
    const timer = setTimeout(() => p.kill('SIGKILL'), delayMs);
    p.on('error', reject);
    p.on('exit', (code, signal) => {
      clearTimeout(timer);
      resolve({ killed: signal === 'SIGKILL', code });
    });
  });
}

/** Milliseconds one uninterrupted run of `args` takes (to spread the kill points over it). */
export async function timeOf(w: World, user: string, args: string[]): Promise<number> {
  const t0 = process.hrtime.bigint();
  await w.ok(user, args);
  return Number((process.hrtime.bigint() - t0) / 1_000_000n);
}

/** The offline file's state: 'none' (no offline database), 'wiped' (its tombstone), 'ok' (opens and passes integrity_check), or what is wrong. */
export async function offlineState(w: World, user: string, db = 'main'): Promise<string> {
  const home = new Home(w.home(user));
  const account = home.listAccounts().find((a) => a.user === user);
  if (!account) return 'no account';
  try {
    const s = await unlockOffline({ home, server: account.server, user, db, device: home.device().id, password: w.password(user), clock: Date.now });
    if (!s) return 'none';
    try {
      return s.store.integrityCheck();
    } finally {
      s.close();
    }
  } catch (e) {
    const code = (e as { code?: string }).code;
    return code === 'offline_wiped' ? 'wiped' : `refused: ${code ?? 'error'}`;
  }
}

/** Runs `f` with an unlocked session of `user`. */
export async function withSession<T>(w: World, user: string, f: (ctx: ClientContext) => Promise<T>): Promise<T> {
  const ctx = await openSession({ home: new Home(w.home(user)), password: async () => w.password(user) });
  try {
    return await f(ctx);
  } finally {
    zeroContext(ctx);
  }
}

/** Record names in the offline copy (through the real CLI), sorted. */
export async function offlineNames(w: World, user: string): Promise<string[]> {
  const off = await w.ok(user, ['--offline', 'list', '--json']);
  return (off.json.records as Array<{ name: string }>).map((r) => r.name).sort();
}

/** Record names on the server, and in the offline copy (through the real CLI), each sorted. */
export async function bothSides(w: World, user: string): Promise<{ online: string[]; offline: string[] }> {
  const online = (await withSession(w, user, (ctx) => listRecords(ctx))).map((r) => r.name).sort();
  return { online, offline: await offlineNames(w, user) };
}
