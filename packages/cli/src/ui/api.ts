/**
 * The JSON API the page calls (under /api). Answers carry decrypted views for display and never a key;
 * a secret only from `reveal`, and only where the user may display it (never masked, never sealed
 * without a release). Copying happens here, in the local process.
 */
import type { IncomingMessage } from 'node:http';
import { SafeholdError } from '@safehold/protocol';
import type { RecordView } from '@safehold/sdk';
import type { UiState } from './state.js';
import { copyToClipboard } from '../clipboard.js';
import { handleTeamApi } from './team.js';

/** One API answer: status and JSON body. */
export interface ApiAnswer {
  status: number;
  body: unknown;
}

type Body = Record<string, unknown>;

const CLEAR_AFTER_SECONDS = 30;

function str(b: Body, k: string, required = true): string {
  const v = b[k];
  if (typeof v === 'string') return v;
  if (v === undefined && !required) return '';
  throw new SafeholdError('bad_request', `"${k}" must be a string`);
}

function strList(b: Body, k: string): string[] {
  const v = b[k];
  if (v === undefined) return [];
  if (!Array.isArray(v) || !v.every((x) => typeof x === 'string')) throw new SafeholdError('bad_request', `"${k}" must be a list of strings`);
  return v as string[];
}

/** The tags of a listed set of records, worked out once per list (the list is cached until it changes). */
const tagCache = new WeakMap<readonly RecordView[], string[]>();
function tagsOf(list: readonly RecordView[]): string[] {
  let tags = tagCache.get(list);
  if (!tags) {
    // One pass without an intermediate array of every tag of every record (on the first list's path at 100k).
    const seen = new Set<string>();
    for (const r of list) for (const t of r.tags) seen.add(t);
    tags = [...seen].sort();
    tagCache.set(list, tags);
  }
  return tags;
}

/**
 * The last answers of a list (cached until it changes), by tag and query: the page's next windows of the same
 * query (as the list scrolls) slice the hits found once instead of searching the whole list again.
 */
const hitCache = new WeakMap<readonly RecordView[], Map<string, readonly RecordView[]>>();
const HIT_CACHE_SIZE = 8;
function hitsOf(list: readonly RecordView[], key: string, find: () => readonly RecordView[]): readonly RecordView[] {
  let m = hitCache.get(list);
  if (!m) hitCache.set(list, (m = new Map()));
  let hits = m.get(key);
  if (hits) {
    m.delete(key);
  } else {
    hits = find();
    if (m.size >= HIT_CACHE_SIZE) m.delete(m.keys().next().value as string);
  }
  m.set(key, hits);
  return hits;
}

/** Rows per list answer unless the page asks for another window (spec §3.3). */
const LIST_WINDOW = 300;
const MAX_LIST_WINDOW = 5000;

function wholeParam(query: URLSearchParams, k: string, dflt: number): number {
  const v = query.get(k);
  if (v === null || v === '') return dflt;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0) throw new SafeholdError('bad_request', `"${k}" must be a whole number`);
  return n;
}

/** The list item of a record: what a row shows. */
function row(v: RecordView): Body {
  return { id: v.id, name: v.name, username: v.username, url: v.url, tags: v.tags, masked: v.masked, sealed: v.sealed };
}

/** HTTP status of an SDK error (its CLI exit code, SPEC §3). 401 is kept for "no session cookie". */
export function httpStatusOf(e: SafeholdError): number {
  switch (e.exitCode) {
    case 2:
      return 400;
    case 3:
      return 422;
    case 4:
      return 404;
    case 5:
      return 403;
    case 6:
      return 409;
    case 7:
      return 503;
    case 8:
      return 409;
    default:
      return 500;
  }
}

/** Reads a JSON body (at most 1 MiB). */
export async function readBody(req: IncomingMessage): Promise<Body> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const c of req) {
    size += (c as Buffer).length;
    if (size > 1 << 20) throw new SafeholdError('bad_request', 'request body too large');
    chunks.push(c as Buffer);
  }
  if (size === 0) return {};
  try {
    const v: unknown = JSON.parse(Buffer.concat(chunks).toString('utf8'));
    if (v && typeof v === 'object' && !Array.isArray(v)) return v as Body;
  } catch {
    /* below */
  }
  throw new SafeholdError('bad_request', 'the request body must be a JSON object');
}

/** Routes one API call. `path` is after /api; `query` the search parameters. */
export async function handleApi(state: UiState, method: string, path: string, query: URLSearchParams, body: Body, env: NodeJS.ProcessEnv): Promise<ApiAnswer> {
  const sdk = state.sdk;
  const ok = (b: unknown): ApiAnswer => ({ status: 200, body: b });
  const parts = path.split('/').filter(Boolean);
  const [a, b, c] = parts;

  if (method === 'GET' && a === 'status') return ok(state.status());
  if (method === 'GET' && a === 'accounts') return ok({ accounts: state.accounts() });
  if (method === 'POST' && a === 'unlock') {
    await state.unlock({ server: str(body, 'server'), user: str(body, 'user'), db: str(body, 'db', false) || null, password: str(body, 'password') });
    return ok(state.status());
  }
  if (method === 'POST' && a === 'accounts') {
    const invite = str(body, 'invite', false);
    await state.addAccount({ server: str(body, 'server'), user: str(body, 'user'), password: str(body, 'password'), ...(invite ? { invite } : {}) });
    return ok(state.status());
  }
  if (method === 'POST' && a === 'refresh') {
    // Reads the records again (others' shares, masks and seals arrive without a sync or a save here).
    state.need();
    state.saved();
    return ok(state.status());
  }
  if (method === 'POST' && a === 'lock') {
    state.lock();
    return ok(state.status());
  }
  if (method === 'POST' && a === 'generate') {
    const { generatePassword } = await import('@safehold/sdk');
    const length = Number(body.length ?? 20);
    if (!Number.isInteger(length) || length < 4 || length > 1024) throw new SafeholdError('bad_request', 'the length must be a whole number from 4 to 1024');
    const sets = strList(body, 'sets');
    const known = ['lower', 'upper', 'digits', 'symbols'];
    if (sets.length === 0 || !sets.every((s) => known.includes(s))) throw new SafeholdError('bad_request', `pick at least one character set (${known.join(', ')})`);
    return ok({ password: generatePassword(length, sets as Array<'lower' | 'upper' | 'digits' | 'symbols'>) });
  }

  const team = await handleTeamApi(state, method, parts, body);
  if (team) return team;

  if (a === 'records') {
    const ctx = state.need();
    if (method === 'GET' && !b) {
      const all: readonly RecordView[] = await state.list();
      const tag = query.get('tag') ?? '';
      if (tag && state.source === 'offline') throw new SafeholdError('unreachable', 'the tag filter needs the server (offline mode offers records and search only)');
      const q = query.get('q') ?? '';
      // The search runs over the list's prepared index (built once per list), the tag filter after it.
      const list =
        !tag && !q.trim()
          ? all
          : hitsOf(all, `${tag}\0${q}`, () => {
              const found = q.trim() ? sdk.searchRecords(all, q) : all;
              return tag ? found.filter((r) => sdk.hasTag(r, tag)) : found;
            });
      const tags = state.source === 'server' ? tagsOf(all) : [];
      // Windowed: the rows from `offset` (at most `limit`), and the total; the page asks for more as it scrolls.
      const offset = wholeParam(query, 'offset', 0);
      const limit = Math.min(wholeParam(query, 'limit', LIST_WINDOW), MAX_LIST_WINDOW);
      return ok({ records: list.slice(offset, offset + limit).map(row), total: list.length, offset, source: state.source, tags });
    }
    if (method === 'POST' && !b) {
      const w = state.needWritable('saving a record');
      const view = await sdk.createRecord(ctx, {
        name: str(body, 'name'),
        username: str(body, 'username', false),
        password: str(body, 'password', false),
        url: str(body, 'url', false),
        notes: str(body, 'notes', false),
        tags: strList(body, 'tags'),
        masked: body.masked === true,
      }, { offline: w.offline });
      state.saved();
      return ok({ record: view });
    }
    if (!b) throw new SafeholdError('not_found', 'no such API call');
    if (method === 'GET' && !c) {
      const r = await state.recordSource().get(b);
      // The history has its own call (team.ts), read only when its section is shown.
      return ok({ record: r.view, canReveal: r.canReveal, canCopy: r.secret !== null, source: state.source });
    }
    if (method === 'POST' && c === 'reveal') {
      const r = await state.recordSource().get(b);
      const secret = sdk.revealableSecret(r.view, r.secret);
      return ok({ password: secret.password, fields: secret.fields });
    }
    if (method === 'POST' && c === 'copy') {
      const field = str(body, 'field');
      if (field !== 'password' && field !== 'username') throw new SafeholdError('bad_request', 'copy takes the field "password" or "username"');
      const r = await state.recordSource().get(b);
      const header = r.header ?? { username: r.view.username, url: r.view.url, fields: [] };
      const value = sdk.pickValue(r.view, header, r.secret, field);
      await copyToClipboard(value, CLEAR_AFTER_SECONDS, env);
      return ok({ copied: true, field, clearAfter: CLEAR_AFTER_SECONDS });
    }
    if (method === 'PUT' && !c) {
      const w = state.needWritable('saving a record');
      const changes = {
        name: str(body, 'name'),
        username: str(body, 'username', false),
        url: str(body, 'url', false),
        notes: str(body, 'notes', false),
        tags: strList(body, 'tags'),
        ...(typeof body.password === 'string' ? { password: body.password } : {}),
      };
      const base = str(body, 'baseRevision');
      const view = await sdk.editRecord(ctx, b, changes, { baseRevision: base, offline: w.offline });
      state.saved();
      return ok({ record: view });
    }
    if (method === 'DELETE' && !c) {
      const w = state.needWritable('deleting a record');
      await sdk.removeRecord(ctx, b, { offline: w.offline });
      state.saved();
      return ok({ id: b, removed: true });
    }
  }

  if (a === 'offline') {
    const ctx = state.need();
    const db = sdk.requireDb(ctx);
    const scope = { home: ctx.home, server: ctx.account.server, user: ctx.account.user, db, device: ctx.device.id };
    if (method === 'GET' && !b) {
      let info = null;
      if (state.source === 'server') {
        try {
          info = await sdk.fetchOfflineInfo(ctx, db);
        } catch {
          info = null;
        }
      }
      return ok({ status: sdk.offlineStatus(scope, info), databases: sdk.listOfflineDatabases(ctx.home), idleLockMinutes: state.idleLockMinutes() });
    }
    if (method === 'POST' && b === 'sync') {
      state.needServer('an offline sync');
      const res = await state.runSync('manual');
      return ok({ result: res });
    }
    if (method === 'POST' && b === 'settings') {
      const change = {
        ...(typeof body.afterSave === 'boolean' ? { afterSave: body.afterSave } : {}),
        ...(typeof body.afterLogin === 'boolean' ? { afterLogin: body.afterLogin } : {}),
        ...(body.intervalMinutes !== undefined ? { intervalMinutes: sdk.parseInterval(String(body.intervalMinutes)) } : {}),
        ...(typeof body.path === 'string' ? { path: body.path } : {}),
      };
      if (body.idleLockMinutes !== undefined) state.setIdleLockMinutes(Number(body.idleLockMinutes));
      sdk.changeSettings(ctx.home, ctx.account.server, ctx.account.user, ctx.device.id, change);
      state.scheduleInterval();
      return ok({ status: sdk.offlineStatus(scope, null) });
    }
    if (method === 'POST' && b === 'remove') {
      const target = str(body, 'db', false) || db;
      if (state.source === 'offline' && target === db) throw new SafeholdError('bad_request', 'the offline database in use cannot be removed while the server is unreachable');
      const removed = sdk.removeOfflineDatabase({ ...scope, db: target });
      return ok({ db: target, removed });
    }
  }
  throw new SafeholdError('not_found', 'no such API call');
}
