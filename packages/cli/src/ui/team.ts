/**
 * The team calls of the page (online only, spec §3.3): a record's rights (grant = replace, remove), key
 * fingerprints and trust, roles, masking, seals, releases and history. Each mirrors the CLI command of the
 * same action through the SDK; offline every one is refused, saying that it needs the server.
 */
import { SafeholdError, asReleaseId } from '@safehold/protocol';
import type { Grantee, HistoryItem, RecordView } from '@safehold/sdk';
import type { UiState } from './state.js';

type Body = Record<string, unknown>;

/** Release requests approved from this UI process (the server's list has the count, not who approved). */
const approvedHere = new WeakMap<UiState, Set<string>>();

/**
 * Record names by id, made once per listed set (the list is cached until it changes): the release list is re-read
 * every 3 s, and a map of 100k names built each time held the UI process (and a keystroke's search) for tens of ms.
 */
const nameMaps = new WeakMap<readonly RecordView[], Map<string, string>>();
function namesOf(list: readonly RecordView[]): Map<string, string> {
  let m = nameMaps.get(list);
  if (!m) nameMaps.set(list, (m = new Map(list.map((v) => [v.id, v.name]))));
  return m;
}

function str(b: Body, k: string): string {
  const v = b[k];
  if (typeof v !== 'string') throw new SafeholdError('bad_request', `"${k}" must be a string`);
  return v;
}

function optInt(b: Body, k: string): number | undefined {
  const v = b[k];
  if (v === undefined || v === null || v === '') return undefined;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 1) throw new SafeholdError('bad_request', `"${k}" must be a positive whole number`);
  return n;
}

function names(b: Body, k: string): string[] {
  const v = b[k];
  const list = typeof v === 'string' ? v.split(',') : Array.isArray(v) ? v : null;
  if (!list || !list.every((x) => typeof x === 'string')) throw new SafeholdError('bad_request', `"${k}" must be a list of names`);
  return (list as string[]).map((x) => x.trim()).filter((x) => x.length > 0);
}

/** `{user}` or `{role}`, never both (as `share --user | --role`). */
function granteeOf(b: Body): Grantee {
  const user = typeof b.user === 'string' && b.user !== '' ? b.user : null;
  const role = typeof b.role === 'string' && b.role !== '' ? b.role : null;
  if ((user === null) === (role === null)) throw new SafeholdError('bad_request', 'give either a user or a role');
  return user !== null ? { user } : { role: role as string };
}

/** A history entry for display: never a secret (those come one revision at a time, through reveal). */
function historyRow(h: HistoryItem): Body {
  return { revision: h.revision, updatedAt: h.updatedAt, updatedBy: h.updatedBy, name: h.name, username: h.username, url: h.url, notes: h.notes, tags: h.tags, ...(h.conflict ? { conflict: true } : {}) };
}

/** Answers a team call, or null when the path is not one. `parts` is the path after /api, split. */
export async function handleTeamApi(state: UiState, method: string, parts: string[], body: Body): Promise<{ status: number; body: unknown } | null> {
  const sdk = state.sdk;
  const [a, b, c, d, e] = parts;
  const ok = (x: unknown): { status: number; body: unknown } => ({ status: 200, body: x });
  const server = (what: string) => state.needServer(what);

  if (a === 'records' && b) {
    if (c === 'rights' && !d) {
      if (method === 'GET') return ok(await sdk.recordRights(server('the rights of a record'), b));
      // A grant replaces the grantee's rights with exactly the list, as `safehold share` does.
      if (method === 'PUT') return ok(await sdk.shareRecord(server('sharing'), b, granteeOf(body), sdk.parseRights(names(body, 'rights'))));
      if (method === 'DELETE') return ok(await sdk.unshareRecord(server('removing a grant'), b, granteeOf(body)));
    }
    if (c === 'mask' && method === 'POST' && !d) {
      if (typeof body.masked !== 'boolean') throw new SafeholdError('bad_request', '"masked" must be true or false');
      const view = await sdk.setMasked(server('masking'), b, body.masked);
      state.saved();
      return ok({ id: view.id, masked: view.masked });
    }
    if (c === 'seal' && !d) {
      if (method === 'POST') {
        const required = optInt(body, 'required');
        const windowMinutes = optInt(body, 'windowMinutes');
        const view = await sdk.sealRecord(server('sealing'), b, { approvers: names(body, 'approvers'), ...(required !== undefined ? { required } : {}), ...(windowMinutes !== undefined ? { windowMinutes } : {}) });
        state.saved();
        return ok({ id: view.id, sealed: view.sealed });
      }
      if (method === 'DELETE') {
        // Needs an approved unseal release of this user (issue 12.1); the server refuses otherwise.
        const view = await sdk.unsealRecord(server('lifting a seal'), b);
        state.saved();
        return ok({ id: view.id, sealed: view.sealed });
      }
    }
    if (c === 'releases' && method === 'POST' && !d) {
      const kind = body.kind === undefined ? 'read' : body.kind;
      if (kind !== 'read' && kind !== 'unseal') throw new SafeholdError('bad_request', '"kind" must be read or unseal');
      const reason = typeof body.reason === 'string' ? body.reason : '';
      return ok(await sdk.requestRelease(server('a release request'), b, reason, kind));
    }
    if (c === 'history') {
      if (method === 'GET' && !d) {
        const h = await sdk.recordHistory(server('the history of a record'), b, { reveal: false });
        return ok({ record: h.record, revisions: h.revisions.map(historyRow) });
      }
      // One old revision's secret, under the same rules as the current one (refused masked or sealed).
      if (method === 'POST' && d === 'reveal' && !e) {
        const revision = str(body, 'revision');
        const h = await sdk.recordHistory(server('the history of a record'), b, { reveal: true });
        const item = h.revisions.find((x) => x.revision === revision);
        if (!item) throw new SafeholdError('not_found', `revision ${revision.slice(0, 64)} not found`);
        if (item.password === undefined) throw new SafeholdError('forbidden', 'the secret of this revision cannot be opened (its key was rotated by a seal)');
        return ok({ revision, password: item.password });
      }
    }
    return null;
  }

  if (a === 'keys' && b === 'user' && c && !d && method === 'GET') {
    // The pinned fingerprint beside the one the server sends now, to compare before trusting (spec §4).
    const ctx = server('comparing keys');
    return ok(await sdk.compareKeys(ctx, c));
  }
  if (a === 'trust' && !b && method === 'POST') {
    // Only the fingerprint the user compared is trusted: a key that changed again meanwhile is refused.
    const ctx = server('trusting a key');
    const fp = str(body, 'fingerprint');
    const g = granteeOf(body);
    const r = 'user' in g ? await sdk.trustUser(ctx, g.user, fp) : await sdk.trustRole(ctx, g.role, fp);
    state.saved();
    return ok(r);
  }

  if (a === 'roles') {
    if (!b && method === 'GET') return ok({ roles: await sdk.listRoles(server('roles')), me: state.need().account.user });
    if (!b && method === 'POST') return ok(await sdk.createRole(server('creating a role'), str(body, 'name')));
    if (b && c === 'members' && !d && method === 'POST') return ok(await sdk.addRoleMember(server('adding a role member'), b, str(body, 'user')));
    if (b && c === 'members' && d && !e && method === 'DELETE') return ok(await sdk.removeRoleMember(server('removing a role member'), b, d));
    return null;
  }

  if (a === 'releases') {
    if (!b && method === 'GET') {
      const ctx = server('release requests');
      const me = ctx.account.user;
      const releases = await sdk.listReleases(ctx);
      // Waiting for me: pending requests of others where I am an approver.
      const mine = approvedHere.get(state) ?? new Set<string>();
      const byId = namesOf(await state.list());
      const list = releases.map((r) => ({ ...r, recordName: byId.get(r.record) ?? null, approvedByMe: mine.has(r.id) }));
      const pending = list.filter((r) => r.status === 'pending' && r.requester !== me && r.approvers.includes(me) && !r.approvedByMe).length;
      return ok({ releases: list, me, pending, now: new Date().toISOString() });
    }
    if (b && c === 'approve' && !d && method === 'POST') {
      const r = await sdk.approveRelease(server('approving a release'), asReleaseId(b));
      const mine = approvedHere.get(state) ?? new Set<string>();
      mine.add(r.id);
      approvedHere.set(state, mine);
      state.saved();
      return ok(r);
    }
    return null;
  }
  return null;
}
