/**
 * Test helper (not product code): a tiny HTTP server speaking the offline sync endpoints with a real
 * Ed25519 key, plus fault injection. Its sync pages are the reference model's (@safehold/testkit/model:
 * the sync core over maps), so it pages, resets and removes exactly as the protocol says; the wires it
 * stores are served as they are (a sealed wire too: the client's own R5 defence is what is tested).
 */
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { generateSigningKeyPair, sign, toB64, utf8 } from '@safehold/crypto';
import type { RecordWire, Signed, SyncResponse, WipePayload } from '@safehold/protocol/api';
import { ProtocolModel } from '../model/index.js';

export interface FakeOptions {
  user: string;
  db: string;
  offlineDays?: number;
}

/** The fake server's state; tests mutate it between syncs. */
export class FakeSyncServer {
  readonly signing = generateSigningKeyPair();
  url = '';
  /** The protocol state: every record is the user's own, so every live record is eligible. */
  private readonly model = new ProtocolModel<RecordWire>();
  /** Every request: method, path and query. */
  readonly log: Array<{ method: string; path: string; cursor: string | null; body: unknown }> = [];
  offlineDays: number;
  /** Server's clock (ms) for leases. */
  now = Date.UTC(2026, 10, 23, 12, 0, 0);
  /** Set to answer every sync with a signed wipe order. */
  wipe: { reason: WipePayload['reason']; db?: string | null; badSignature?: boolean } | null = null;
  /** Answer sync with this error status/code (e.g. 401 device_revoked). */
  refuse: { status: number; code: string } | null = null;
  /** Signed orders served by POST /devices/:id/orders. */
  orders: Signed[] = [];
  /** The offline database instance named in leases (12.5), when set. */
  instance: { id: string; createdAt: number } | null = null;
  /** Order ids acknowledged through POST /devices/:id/orders/:orderId/ack. */
  acks: string[] = [];
  /** The device key registered with PUT /me/device-key (12.4). */
  deviceKey: string | null = null;
  /** Destroy the connection of the n-th changes request (1-based), once. */
  killRequest: number | null = null;
  /** Sign leases with another key (forgery). */
  forgeLease = false;
  /** Serve a reset to a delta cursor (as for a cursor older than the change log). */
  forceReset = false;
  /** Changes requests seen so far (killRequest counts them). */
  private changesRequests = 0;
  private server: Server | null = null;
  device = '';

  constructor(private readonly o: FakeOptions) {
    this.offlineDays = o.offlineDays ?? 7;
  }

  /** The database's change counter. */
  get seq(): number {
    return this.model.seq;
  }

  put(w: RecordWire): void {
    this.model.put(w.id, this.o.user, w, w.revision);
  }

  remove(id: string): void {
    this.model.delete(id);
  }

  signed(payload: unknown, key = this.signing.privateKey): Signed {
    const p = JSON.stringify(payload);
    return { payload: p, signature: toB64(sign(key, utf8(p))) };
  }

  wipeOrder(
    reason: WipePayload['reason'],
    db: string | null = this.o.db,
    device = this.device,
    bind: { id?: string; instance?: { id: string; createdAt: number } } = {},
  ): Signed {
    const w: WipePayload = {
      type: 'wipe',
      server: this.url,
      user: this.o.user,
      device,
      db,
      reason,
      issuedAt: new Date(this.now).toISOString(),
      ...(bind.id ? { id: bind.id } : {}),
      ...(bind.instance ? { instance: bind.instance.id, instanceCreatedAt: new Date(bind.instance.createdAt).toISOString() } : {}),
    };
    return this.signed(w);
  }

  private lease(device: string): Signed {
    const payload = {
      type: 'lease',
      server: this.url,
      user: this.o.user,
      device,
      db: this.o.db,
      offlineDays: this.offlineDays,
      issuedAt: new Date(this.now).toISOString(),
      expiresAt: new Date(this.now + this.offlineDays * 86_400_000).toISOString(),
      ...(this.instance ? { instance: this.instance.id, instanceCreatedAt: new Date(this.instance.createdAt).toISOString() } : {}),
    };
    return this.signed(payload, this.forgeLease ? generateSigningKeyPair().privateKey : this.signing.privateKey);
  }

  private async page(cursor: string, limit: number, device: string): Promise<SyncResponse> {
    if (this.wipe) {
      const w: WipePayload = {
        type: 'wipe',
        server: this.url,
        user: this.o.user,
        device,
        db: this.wipe.db === undefined ? this.o.db : this.wipe.db,
        reason: this.wipe.reason,
        issuedAt: new Date(this.now).toISOString(),
      };
      const s = this.signed(w);
      return { kind: 'wipe', wipe: this.wipe.badSignature ? { ...s, signature: toB64(new Uint8Array(64)) } : s };
    }
    const lease = this.lease(device);
    // A cursor older than the kept change log: the model's whole log is pruned, so every delta resets.
    if (this.forceReset) this.model.pruneAll();
    const p = await this.model.page(this.o.user, device || 'device', cursor, limit);
    return { kind: 'changes', reset: p.reset, records: p.records.map((r) => r.payload), removed: p.removed, cursor: p.cursor, hasMore: p.hasMore, total: p.total, lease };
  }

  private handle(req: IncomingMessage, res: ServerResponse, body: string): void {
    const u = new URL(req.url ?? '/', 'http://x');
    const cursor = u.searchParams.get('cursor');
    const send = (status: number, v: unknown): void => {
      res.writeHead(status, { 'content-type': 'application/json' });
      res.end(JSON.stringify(v));
    };
    // The device key (12.4) is registered once per account, before its first sync: kept out of `log`,
    // which the sync specs read by position.
    if (u.pathname === '/v1/me/device-key' && req.method === 'PUT') {
      this.deviceKey = (JSON.parse(body) as { publicKey: string }).publicKey;
      return send(200, { ok: true });
    }
    this.log.push({ method: req.method ?? '', path: u.pathname, cursor, body: body ? (JSON.parse(body) as unknown) : null });
    const orders = /^\/v1\/devices\/([^/]+)\/orders$/.exec(u.pathname);
    if (orders && req.method === 'POST') return send(200, { orders: this.orders });
    const ack = /^\/v1\/devices\/([^/]+)\/orders\/([^/]+)\/ack$/.exec(u.pathname);
    if (ack && req.method === 'POST') {
      this.acks.push(ack[2] ?? '');
      return send(200, { ok: true });
    }

    if (u.pathname === `/v1/db/${this.o.db}/offline/changes`) {
      this.changesRequests++;
      if (this.killRequest === this.changesRequests) {
        this.killRequest = null;
        req.socket.destroy();
        return;
      }
      if (this.refuse) return send(this.refuse.status, { error: { code: this.refuse.code, message: `refused: ${this.refuse.code}` } });
      const device = this.device;
      this.page(cursor ?? '0', Number(u.searchParams.get('limit') ?? '500'), device).then(
        (p) => send(200, p),
        (e: unknown) => send(400, { error: { code: 'bad_request', message: String(e) } }),
      );
      return;
    }
    if (u.pathname === `/v1/db/${this.o.db}/keys/adopt` && req.method === 'POST') return send(200, { adopted: 0, skipped: [] });
    if (u.pathname === `/v1/db/${this.o.db}/offline`) return send(200, { db: this.o.db, enabled: true, right: true, offlineDays: this.offlineDays });
    send(404, { error: { code: 'not_found', message: 'not found' } });
  }

  /** Starts on 127.0.0.1, port 0; stopped after the test. */
  async start(t: { after: (fn: () => Promise<void> | void) => void }): Promise<void> {
    this.server = createServer((req, res) => {
      const chunks: Buffer[] = [];
      req.on('data', (c: Buffer) => chunks.push(c));
      req.on('end', () => this.handle(req, res, Buffer.concat(chunks).toString('utf8')));
    });
    await new Promise<void>((r) => (this.server as Server).listen(0, '127.0.0.1', r));
    this.url = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    t.after(() => this.stop());
  }

  /** Stops the server (tests of the unreachable case). */
  async stop(): Promise<void> {
    const s = this.server;
    this.server = null;
    if (!s) return;
    s.closeAllConnections();
    await new Promise<void>((r) => s.close(() => r()));
  }

  /** Number of sync requests answered so far. */
  get syncRequests(): number {
    return this.log.filter((l) => l.path.endsWith('/offline/changes')).length;
  }
}
