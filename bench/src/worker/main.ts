/**
 * A client worker: one process that plays the client side (SDK, offline files) for the sync
 * benchmarks, so that client and server never share an event loop and the client's memory can be
 * measured alone. Reads one JSON command per line on stdin, answers one JSON line on stdout.
 */
import fs from 'node:fs';
import v8 from 'node:v8';
import path from 'node:path';
import readline from 'node:readline';
import { fileURLToPath } from 'node:url';
import { deriveMasterKeys, zero } from '@safehold/crypto';
import { SafeholdError, asDatabaseId } from '@safehold/protocol';
import { ENDPOINTS as E } from '@safehold/protocol/endpoints';
import { Home, editRecord, kdfFromWire, listRecords, login, openOfflineSource, searchRecords, type ClientContext, type RecordView } from '@safehold/sdk';
import { MissingApi, offlineApi, type OfflineApi } from './offline-api.js';
import type { WorkerCmd, WorkerReply } from './protocol.js';
import { nowMs } from '../stats.js';

const root = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');

let main: ClientContext | null = null;
let editor: ClientContext | null = null;
let editorIds: string[] | null = null;
let views: RecordView[] | null = null;
let api: OfflineApi | null = null;
let password = '';

async function offline(): Promise<OfflineApi> {
  api ??= await offlineApi(root);
  return api;
}

function need<T>(v: T | null, what: string): T {
  if (v === null) throw new Error(`worker: ${what} first`);
  return v;
}

/** Resets the kernel's RSS high-water mark (Linux >= 4.0); false when not possible. */
function resetPeak(): boolean {
  try {
    fs.writeFileSync('/proc/self/clear_refs', '5');
    return true;
  } catch {
    return false;
  }
}

function vmHwmMb(): number | null {
  try {
    const m = /VmHWM:\s+(\d+) kB/.exec(fs.readFileSync('/proc/self/status', 'utf8'));
    return m ? Number(m[1]) / 1024 : null;
  } catch {
    return null;
  }
}

async function handle(cmd: WorkerCmd): Promise<WorkerReply> {
  switch (cmd.op) {
    case 'login': {
      password = cmd.password;
      fs.mkdirSync(cmd.home, { recursive: true });
      const ctx = await login({ home: new Home(cmd.home), server: cmd.server, user: cmd.user, db: cmd.db, password: async () => cmd.password });
      if (cmd.as === 'main') main = ctx;
      else editor = ctx;
      return { ok: true };
    }
    case 'sync': {
      const ctx = need(main, 'login');
      const o = await offline();
      const samples: number[] = [];
      let peakRssMb: number | undefined;
      let peakMethod: string | undefined;
      let rssBeforeMb: number | undefined;
      let info: WorkerReply['info'];
      for (let i = 0; i < cmd.reps; i++) {
        const kernel = cmd.peak && resetPeak();
        if (cmd.peak) rssBeforeMb = process.memoryUsage.rss() / 1024 / 1024;
        // A timed run reads only the kernel's high-water mark at the end: nothing else runs beside the sync.
        // The memory detail (a sampler every 20 ms) is only taken when asked, on an untimed run (`detail`),
        // or where the kernel cannot give the peak (then RSS alone is sampled).
        const sampler = cmd.peak && (cmd.detail === true || !kernel) ? new MemorySampler(cmd.detail === true, kernel ? 20 : 5) : null;
        const cpu0 = process.cpuUsage();
        const t0 = nowMs();
        const r = await o.syncOffline(ctx, { create: true });
        samples.push(nowMs() - t0);
        // The client process's CPU time over the sync (its threads included): less moved by a busy machine than the wall time.
        const cpu = process.cpuUsage(cpu0);
        sampler?.stop();
        if (cmd.peak) {
          const hwm = kernel ? vmHwmMb() : null;
          peakRssMb = hwm ?? Math.max(sampler?.rss ?? 0, process.memoryUsage.rss()) / 1024 / 1024;
          peakMethod = hwm !== null ? 'vmhwm' : 'sampled';
        }
        if (!r) throw new Error('syncOffline returned null for a manual sync');
        info = { added: r.added, updated: r.updated, removed: r.removed, total: r.total, pushed: r.pushed ?? 0, cpuMs: Math.round((cpu.user + cpu.system) / 1000) };
        if (sampler && cmd.detail === true) info = { ...info, ...sampler.partsMb() };
      }
      return { ok: true, samples, ...(peakRssMb !== undefined ? { peakRssMb, peakMethod: peakMethod ?? '', rssBeforeMb: rssBeforeMb ?? 0 } : {}), ...(info ? { info } : {}) };
    }
    case 'fullResync': {
      // A second device of the same user, so the main device's server-side state is untouched.
      const ctx = need(editor, 'login as editor');
      const db = ctx.account.db ?? '';
      const samples: number[] = [];
      let records = 0;
      for (let i = 0; i < cmd.reps; i++) {
        records = 0;
        let cursor = '0';
        const t0 = nowMs();
        for (;;) {
          const page = await ctx.api.call(E.syncChanges, { db: asDatabaseId(db) }, { cursor, limit: cmd.limit });
          if (page.kind !== 'changes') throw new Error('full resync got a wipe order');
          records += page.records.length;
          cursor = page.cursor;
          if (!page.hasMore) break;
        }
        samples.push(nowMs() - t0);
      }
      return { ok: true, samples, info: { records } };
    }
    case 'queueOffline': {
      const ctx = need(main, 'login');
      await (await offline()).syncOffline(ctx, { create: true }); // a lease that carries the offline-edits right
      const src = await openOfflineSource(ctx);
      if (!src) throw new Error('no offline database to queue edits in');
      let ids: string[];
      try {
        ids = (await src.list()).map((v) => v.id).sort().slice(0, cmd.count);
      } finally {
        src.close();
      }
      for (const id of ids) await editRecord(ctx, id, { notes: 'queued offline by the bench' }, { offline: true });
      return { ok: true, info: { queued: ids.length } };
    }
    case 'edit': {
      const ctx = need(editor, 'login as editor');
      if (!editorIds) editorIds = (await listRecords(ctx)).map((v) => v.id).sort();
      const start = (cmd.round * cmd.count) % Math.max(1, editorIds.length);
      const ids = [...editorIds, ...editorIds].slice(start, start + Math.min(cmd.count, editorIds.length));
      for (const id of ids) await editRecord(ctx, id, { notes: `bench edit round ${cmd.round}` });
      return { ok: true, info: { edited: ids.length } };
    }
    case 'unlock': {
      const o = await offline();
      const home = new Home(cmd.home);
      const samples: number[] = [];
      // The process's CPU time of each unlock (all threads: the KDF's too), beside the wall time a busy machine inflates.
      const cpu: number[] = [];
      for (let i = 0; i < cmd.reps; i++) {
        const t0 = nowMs();
        const c0 = process.cpuUsage();
        const session = await o.unlockOffline({
          home,
          server: cmd.server,
          user: cmd.user,
          db: cmd.db,
          device: home.device().id,
          password: cmd.password,
          clock: () => Date.now(),
        });
        if (!session) throw new Error('no offline database to unlock');
        views = await o.listOffline(session);
        samples.push(nowMs() - t0);
        const c = process.cpuUsage(c0);
        cpu.push((c.user + c.system) / 1000);
        session.close();
      }
      const rest = cpu.slice(1).sort((a, b) => a - b);
      return { ok: true, samples, info: { records: views?.length ?? 0, cpuFirstMs: Math.round(cpu[0] ?? 0), cpuRestMedianMs: Math.round(rest[Math.floor(rest.length / 2)] ?? 0) } };
    }
    case 'search': {
      const all = need(views, 'unlock');
      const samples: number[] = [];
      let hits = 0;
      for (let r = 0; r < cmd.reps; r++) {
        for (const q of cmd.queries) {
          const t0 = nowMs();
          hits += searchRecords(all, q).length;
          samples.push(nowMs() - t0);
        }
      }
      return { ok: true, samples, info: { hits } };
    }
    case 'kdf': {
      const ctx = need(main, 'login');
      const kdf = kdfFromWire(ctx.accountFile.kdf);
      const samples: number[] = [];
      for (let i = 0; i < cmd.reps; i++) {
        const t0 = nowMs();
        const k = await deriveMasterKeys(password, kdf);
        samples.push(nowMs() - t0);
        zero(k.authKey, k.kek);
      }
      return { ok: true, samples };
    }
    case 'exit':
      main?.api.close();
      editor?.api.close();
      return { ok: true };
  }
}

const rl = readline.createInterface({ input: process.stdin });
rl.on('line', (line) => {
  let cmd: WorkerCmd;
  try {
    cmd = JSON.parse(line) as WorkerCmd;
  } catch {
    process.stdout.write(`${JSON.stringify({ ok: false, error: 'bad command line' })}\n`);
    return;
  }
  rl.pause();
  handle(cmd).then(
    (reply) => {
      process.stdout.write(`${JSON.stringify(reply)}\n`);
      if (cmd.op === 'exit') process.exit(0);
      rl.resume();
    },
    (e: unknown) => {
      const reply: WorkerReply =
        e instanceof MissingApi
          ? { ok: false, unavailable: e.message }
          : { ok: false, error: e instanceof SafeholdError ? `${e.code}: ${e.message}` : e instanceof Error ? (e.stack ?? e.message) : String(e) };
      process.stdout.write(`${JSON.stringify(reply)}\n`);
      rl.resume();
    },
  );
});
rl.on('close', () => process.exit(0));

const smapsOut = process.env['SAFEHOLD_BENCH_SMAPS'];

/** Samples RSS (and, for the detail, where the memory is: V8's heap spaces, Buffers outside it) on a timer. */
class MemorySampler {
  rss = 0;
  private readonly parts = { heapUsed: 0, heapTotal: 0, external: 0, largeObjects: 0, oldSpace: 0, rssAnon: 0, rssFile: 0 };
  private readonly timer: NodeJS.Timeout;

  constructor(detail: boolean, everyMs: number) {
    this.timer = setInterval(() => {
      if (!detail) {
        this.rss = Math.max(this.rss, process.memoryUsage.rss());
        return;
      }
      const m = process.memoryUsage();
      const p = this.parts;
      this.rss = Math.max(this.rss, m.rss);
      p.heapUsed = Math.max(p.heapUsed, m.heapUsed);
      p.heapTotal = Math.max(p.heapTotal, m.heapTotal);
      p.external = Math.max(p.external, m.external);
      const status = procStatus();
      p.rssAnon = Math.max(p.rssAnon, status.RssAnon ?? 0);
      p.rssFile = Math.max(p.rssFile, status.RssFile ?? 0);
      for (const sp of v8.getHeapSpaceStatistics()) {
        if (sp.space_name === 'large_object_space') p.largeObjects = Math.max(p.largeObjects, sp.space_used_size);
        if (sp.space_name === 'old_space') p.oldSpace = Math.max(p.oldSpace, sp.space_used_size);
      }
      // Diagnosis only (SAFEHOLD_BENCH_SMAPS=file): the process's mappings at the highest RssAnon seen.
      if (smapsOut && (status.RssAnon ?? 0) > this.snapAnon + 2 * 1024 * 1024) {
        this.snapAnon = status.RssAnon ?? 0;
        this.snap = fs.readFileSync('/proc/self/smaps', 'utf8');
      }
    }, everyMs);
  }

  private snapAnon = 0;
  private snap = '';

  stop(): void {
    clearInterval(this.timer);
    if (smapsOut && this.snap) fs.writeFileSync(smapsOut, this.snap);
  }

  /** The sampled peaks in MiB (one decimal). */
  partsMb(): Record<string, number> {
    const mb = (b: number): number => Math.round(b / 1024 / 102.4) / 10;
    const p = this.parts;
    return { peakHeapUsedMb: mb(p.heapUsed), peakHeapTotalMb: mb(p.heapTotal), peakExternalMb: mb(p.external), peakLargeObjectsMb: mb(p.largeObjects), peakOldSpaceMb: mb(p.oldSpace), peakRssAnonMb: mb(p.rssAnon), peakRssFileMb: mb(p.rssFile) };
  }
}

/** RssAnon and RssFile of /proc/self/status in bytes (empty where there is no /proc). */
function procStatus(): Record<string, number> {
  const out: Record<string, number> = {};
  try {
    for (const line of fs.readFileSync('/proc/self/status', 'utf8').split('\n')) {
      const m = /^(RssAnon|RssFile):\s+(\d+) kB/.exec(line);
      if (m) out[m[1] as string] = Number(m[2]) * 1024;
    }
  } catch {
    // not Linux: the detail has no such figures
  }
  return out;
}
