/**
 * `safehold-server`: the server (`start`) and the Server Manager (spec §3.1). Every command opens the
 * storage (applying pending migrations), does one thing and prints a short line, or JSON with --json.
 * Errors: `error: <message>` on stderr (a JSON error object under --json) with the spec's exit code.
 */
import fs from 'node:fs';
import { createHash } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import { Command, CommanderError } from 'commander';
import { SafeholdError, exitCodeOf, EXIT } from '@safehold/protocol';
import { openStorage, type Storage } from './storage/open.js';
import { MIGRATION_NAMES } from './storage/migrations.js';
import { AdminService } from './services/admin.js';
import { systemClock } from './clock.js';
import { SERVER_VERSION } from './config.js';
import { DEFAULT_RETENTION, pruneRetention, type Retention } from './services/retention.js';
import { backupStorage, restoreStorage } from './storage/backup.js';
import { keySourceFrom, loadRotations, readConfiguredSeed, rotateSigningKey } from './services/keysource.js';

/** Terminal-safe text (12.11): control characters and bidi overrides in names (devices, users) become U+FFFD. */
function safeText(s: string): string {
  // eslint-disable-next-line no-control-regex -- matching control characters is the point
  return s.replace(/[\u0000-\u0008\u000b-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]/g, '\ufffd');
}

/** The fingerprint clients show for a key: first 128 bits of SHA-256, hex in groups of four. */
function keyFingerprint(publicKey: Uint8Array): string {
  const hex = createHash('sha256').update(publicKey).digest('hex').slice(0, 32);
  return hex.match(/.{4}/g)?.join(':') ?? hex;
}

interface GlobalOpts {
  data?: string;
  databaseUrl?: string;
  json?: boolean;
  signingKeyFile?: string;
}

/** Where the storage is: --database-url, else --data, else env SAFEHOLD_DATABASE_URL, else SAFEHOLD_DATA, else the XDG default. */
export function resolveStorageOptions(g: GlobalOpts, env: NodeJS.ProcessEnv = process.env): { dataDir?: string; databaseUrl?: string } {
  if (g.databaseUrl) return { databaseUrl: g.databaseUrl };
  if (g.data) return { dataDir: path.resolve(g.data) };
  if (env['SAFEHOLD_DATABASE_URL']) return { databaseUrl: env['SAFEHOLD_DATABASE_URL'] };
  if (env['SAFEHOLD_DATA']) return { dataDir: path.resolve(env['SAFEHOLD_DATA']) };
  const xdg = env['XDG_DATA_HOME'] || path.join(os.homedir(), '.local', 'share');
  return { dataDir: path.join(xdg, 'safehold-server') };
}

function onOff(v: string | undefined, flag: string): boolean | undefined {
  if (v === undefined) return undefined;
  if (v === 'on') return true;
  if (v === 'off') return false;
  throw new SafeholdError('bad_request', `${flag} must be 'on' or 'off', not '${v.slice(0, 40)}'`);
}

function positiveInt(v: string | undefined, flag: string): number | undefined {
  if (v === undefined) return undefined;
  const n = /^\d{1,9}$/.test(v) ? Number(v) : NaN;
  if (!Number.isSafeInteger(n) || n < 1 || n > 3650) throw new SafeholdError('bad_request', `${flag} must be a whole number from 1 to 3650, not '${v.slice(0, 40)}'`);
  return n;
}

function port(v: string): number {
  const n = /^\d{1,5}$/.test(v) ? Number(v) : NaN;
  if (!Number.isInteger(n) || n < 0 || n > 65535) throw new SafeholdError('bad_request', `--port must be 0..65535, not '${v.slice(0, 40)}'`);
  return n;
}

function isoTime(v: string | undefined): number | undefined {
  if (v === undefined) return undefined;
  const ms = /^\d{4}-\d{2}-\d{2}([T ][\d:.]+(Z|[+-]\d{2}:?\d{2})?)?$/.test(v) ? Date.parse(v) : NaN;
  if (Number.isNaN(ms)) throw new SafeholdError('bad_request', `--since must be an ISO time such as 2026-01-31T12:00:00Z, not '${v.slice(0, 40)}'`);
  return ms;
}

const onoff = (b: boolean): string => (b ? 'on' : 'off');

interface RetentionOpts {
  retentionSessions?: string;
  retentionFailures?: string;
  retentionAudit?: string;
}

/** The retention flags over the documented defaults; each a whole number of days, 0 = keep for ever. */
function retentionOf(o: RetentionOpts): Retention {
  const days = (v: string | undefined, flag: string, dflt: number): number => {
    if (v === undefined) return dflt;
    if (!/^\d{1,5}$/.test(v)) throw new SafeholdError('bad_request', `${flag} must be a whole number of days (0 = keep for ever), not '${v.slice(0, 40)}'`);
    return Number(v);
  };
  return {
    sessionsDays: days(o.retentionSessions, '--retention-sessions', DEFAULT_RETENTION.sessionsDays),
    failuresDays: days(o.retentionFailures, '--retention-failures', DEFAULT_RETENTION.failuresDays),
    auditDays: days(o.retentionAudit, '--retention-audit', DEFAULT_RETENTION.auditDays),
  };
}

/** Reads --tls-cert and --tls-key (both or neither); an unreadable file is a usage error naming the flag. */
function readTls(certFile: string | undefined, keyFile: string | undefined): { cert: Buffer; key: Buffer } | null {
  if (!certFile && !keyFile) return null;
  if (!certFile || !keyFile) throw new SafeholdError('bad_request', '--tls-cert and --tls-key go together: give both');
  const read = (file: string, flag: string): Buffer => {
    try {
      return fs.readFileSync(file);
    } catch (e) {
      throw new SafeholdError('bad_request', `${flag}: cannot read ${file} (${(e as NodeJS.ErrnoException).code ?? 'error'})`);
    }
  };
  const cert = read(certFile, '--tls-cert');
  const key = read(keyFile, '--tls-key');
  if (!cert.includes('-----BEGIN CERTIFICATE-----')) throw new SafeholdError('bad_request', `--tls-cert: ${certFile} holds no PEM certificate`);
  if (!/-----BEGIN [A-Z ]*PRIVATE KEY-----/.test(key.toString('latin1'))) throw new SafeholdError('bad_request', `--tls-key: ${keyFile} holds no PEM private key`);
  return { cert, key };
}

/** Builds the program; `io` lets tests capture output. */
export function buildProgram(io: { out: (s: string) => void; err: (s: string) => void } = {
  out: (s) => process.stdout.write(s),
  err: (s) => process.stderr.write(s),
}): Command {
  const program = new Command('safehold-server')
    .description('Safehold server and Server Manager')
    .version(SERVER_VERSION)
    .option('--data <dir>', 'data directory of the embedded SQLite database (env SAFEHOLD_DATA)')
    .option('--database-url <url>', 'PostgreSQL connection string (env SAFEHOLD_DATABASE_URL)')
    .option('--signing-key-file <file>', 'the signing key in a 0600 file instead of storage (env SAFEHOLD_SIGNING_KEY_FILE; or SAFEHOLD_SIGNING_KEY)')
    .option('--json', 'machine-readable output')
    .exitOverride()
    .configureOutput({ writeOut: io.out, writeErr: () => undefined })
    .showHelpAfterError(false);

  const globals = (cmd: Command): GlobalOpts => cmd.optsWithGlobals<GlobalOpts>();
  const print = (cmd: Command, json: unknown, human: string): void => {
    const text = safeText(human);
    io.out(globals(cmd).json ? `${JSON.stringify(json)}\n` : text.endsWith('\n') || text === '' ? text : `${text}\n`);
  };
  /** Opens storage, runs `fn` with the admin service, closes storage. */
  const withAdmin = async <T>(cmd: Command, fn: (admin: AdminService, storage: Storage) => Promise<T>): Promise<T> => {
    const storage = await openStorage(resolveStorageOptions(globals(cmd)));
    try {
      return await fn(new AdminService(storage.db, systemClock), storage);
    } finally {
      await storage.close();
    }
  };
  const leaf = (c: Command): Command => c.exitOverride().configureOutput({ writeOut: io.out, writeErr: () => undefined });

  leaf(program.command('start'))
    .description('run the server')
    .option('--host <host>', 'address to listen on', '127.0.0.1')
    .option('--port <port>', 'port to listen on', '8080')
    .option('--trust-proxy', 'take the client address from X-Forwarded-For (behind a reverse proxy)')
    .option('--retention-sessions <days>', `days expired sessions are kept (default ${DEFAULT_RETENTION.sessionsDays}; 0 = for ever)`)
    .option('--retention-failures <days>', `days failed-login rows are kept (default ${DEFAULT_RETENTION.failuresDays}; 0 = for ever)`)
    .option('--retention-audit <days>', `days audit events are kept (default ${DEFAULT_RETENTION.auditDays}; 0 = for ever)`)
    .option('--tls-cert <file>', 'serve HTTPS with this PEM certificate chain (with --tls-key)')
    .option('--tls-key <file>', 'the PEM private key of --tls-cert')
    .action(async (o: RetentionOpts & { host: string; port: string; trustProxy?: boolean; tlsCert?: string; tlsKey?: string }, cmd: Command) => {
      const p = port(o.port);
      const retention = retentionOf(o);
      const tls = readTls(o.tlsCert, o.tlsKey);
      const keySource = keySourceFrom(globals(cmd).signingKeyFile);
      readConfiguredSeed(keySource)?.fill(0); // a bad or group-readable key file fails before the storage is opened
      const storage = await openStorage(resolveStorageOptions(globals(cmd)));
      // Loaded here only: the manager commands need no HTTP stack.
      const { startServer } = await import('./server.js');
      let server;
      try {
        server = await startServer({ storage, host: o.host, port: p, logger: true, keySource, retention, ...(o.trustProxy ? { trustProxy: true } : {}), ...(tls ? { tls } : {}) });
      } catch (e) {
        await storage.close();
        throw e;
      }
      server.app.log.info({ url: server.url, backend: storage.dialect }, `safehold-server listening on ${server.url}`);
      await new Promise<void>((resolve) => {
        let stopping = false;
        const stop = (signal: string): void => {
          if (stopping) return;
          stopping = true;
          server.app.log.info({ signal }, 'shutting down');
          void server
            .close()
            .then(() => storage.close())
            .finally(resolve);
        };
        process.once('SIGINT', () => stop('SIGINT'));
        process.once('SIGTERM', () => stop('SIGTERM'));
      });
    });

  const key = program.command('key').description("the server's signing key (leases, wipe orders; pinned by clients)");
  leaf(key.command('show'))
    .description('print the public signing key, its fingerprint and the number of rotations')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withAdmin(cmd, async (_a, storage) => {
        const { loadServerSigner } = await import('./services/serverkey.js');
        const signer = await loadServerSigner(storage.db, keySourceFrom(globals(cmd).signingKeyFile));
        const publicKey = Buffer.from(signer.publicKey).toString('base64url');
        return { publicKey, fingerprint: keyFingerprint(signer.publicKey), rotations: (await loadRotations(storage.db)).length };
      });
      print(cmd, r, `signing key ${r.fingerprint} (${r.publicKey}); ${r.rotations} rotation(s)`);
    });
  leaf(key.command('rotate'))
    .description('replace the signing key after a leak: the old key signs the new one, so clients accept it; restart the servers')
    .action(async (_o: unknown, cmd: Command) => {
      const r = await withAdmin(cmd, (_a, storage) => rotateSigningKey(storage.db, keySourceFrom(globals(cmd).signingKeyFile), Date.now()));
      const out = { previous: r.previous, next: r.next, fingerprint: keyFingerprint(Buffer.from(r.next, 'base64url')) };
      print(cmd, out, `rotated the signing key: new fingerprint ${out.fingerprint}; restart every server process to sign with it`);
    });

  leaf(program.command('prune'))
    .description('delete expired sessions, old failed-login rows and old audit events now (the server also does it daily)')
    .option('--retention-sessions <days>', `days expired sessions are kept (default ${DEFAULT_RETENTION.sessionsDays}; 0 = for ever)`)
    .option('--retention-failures <days>', `days failed-login rows are kept (default ${DEFAULT_RETENTION.failuresDays}; 0 = for ever)`)
    .option('--retention-audit <days>', `days audit events are kept (default ${DEFAULT_RETENTION.auditDays}; 0 = for ever)`)
    .action(async (o: RetentionOpts, cmd: Command) => {
      const retention = retentionOf(o);
      const r = await withAdmin(cmd, (_a, storage) => pruneRetention(storage.db, systemClock, retention));
      print(cmd, { pruned: r, retention }, `pruned ${r.sessions} session(s), ${r.failures} failed-login row(s), ${r.audit} audit event(s)`);
    });

  leaf(program.command('migrate'))
    .description('apply pending storage migrations')
    .action(async (_o: unknown, cmd: Command) => {
      await withAdmin(cmd, async (_a, storage) => {
        print(cmd, { ok: true, backend: storage.dialect, migrations: MIGRATION_NAMES }, `storage is up to date (${MIGRATION_NAMES.length} migrations, ${storage.dialect})`);
      });
    });

  leaf(program.command('backup <file>'))
    .description('write a consistent copy of the storage to FILE while servers run (SQLite online backup; PostgreSQL pg_dump)')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const r = await backupStorage(resolveStorageOptions(globals(cmd)), file);
      print(cmd, r, `backed up the ${r.backend} storage to ${r.file} (${r.bytes} bytes)`);
    });
  leaf(program.command('restore <file>'))
    .description('replace the storage with a backup (stop every server first); every offline client resets at its next sync')
    .action(async (file: string, _o: unknown, cmd: Command) => {
      const r = await restoreStorage(resolveStorageOptions(globals(cmd)), file);
      print(cmd, r, `restored the ${r.backend} storage from ${r.file}; ${r.databases} database(s): every offline client gets a reset at its next sync`);
    });

  const db = program.command('db').description('online databases');
  leaf(db.command('create <name>'))
    .description('create a database')
    .option('--offline <on|off>', 'enable offline mode (default off)')
    .action(async (name: string, o: { offline?: string }, cmd: Command) => {
      const offline = onOff(o.offline, '--offline') ?? false;
      const d = await withAdmin(cmd, (a) => a.createDb(name, { offline }));
      print(cmd, { name: d.name, offline: d.offline }, `created database ${d.name} (offline ${onoff(d.offline)})`);
    });
  leaf(db.command('set <name>'))
    .description('change database settings')
    .requiredOption('--offline <on|off>', 'offline mode')
    .action(async (name: string, o: { offline: string }, cmd: Command) => {
      const offline = onOff(o.offline, '--offline') as boolean;
      const d = await withAdmin(cmd, (a) => a.setDbOffline(name, offline));
      print(cmd, { name: d.name, offline: d.offline }, `database ${d.name}: offline ${onoff(d.offline)}`);
    });
  leaf(db.command('list'))
    .description('list databases')
    .action(async (_o: unknown, cmd: Command) => {
      const dbs = await withAdmin(cmd, (a) => a.listDbs());
      print(cmd, { databases: dbs }, dbs.map((d) => `${d.name}\toffline ${onoff(d.offline)}\t${d.members} member(s)`).join('\n') || 'no databases');
    });

  const user = program.command('user').description('users and their rights');
  leaf(user.command('add <name>'))
    .description('add a user to a database (a new user gets a one-time invite code)')
    .requiredOption('--db <db>', 'database')
    .option('--admin', 'make the user an admin')
    .action(async (name: string, o: { db: string; admin?: boolean }, cmd: Command) => {
      const invite = await withAdmin(cmd, (a) => a.addUser(name, o.db, { admin: !!o.admin }));
      print(
        cmd,
        { user: name, db: o.db, invite },
        invite ? `added ${name} to ${o.db}; invite code (one use, valid 7 days): ${invite}` : `added existing user ${name} to ${o.db}`,
      );
    });
  leaf(user.command('invite <name>'))
    .description('issue a fresh invite code for a user who has not registered yet')
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const invite = await withAdmin(cmd, (a) => a.reinvite(name));
      print(cmd, { user: name, invite }, `invite code for ${name} (one use, valid 7 days): ${invite}`);
    });
  leaf(user.command('rights <name>'))
    .description("set a user's rights in a database")
    .requiredOption('--db <db>', 'database')
    .option('--offline <on|off>', 'the offline right')
    .option('--offline-days <n>', 'days of offline use without a server contact (default 7 when granted)')
    .option('--offline-edits <on|off>', 'may also add, edit and delete records offline (default off)')
    .action(async (name: string, o: { db: string; offline?: string; offlineDays?: string; offlineEdits?: string }, cmd: Command) => {
      const offline = onOff(o.offline, '--offline');
      const offlineDays = positiveInt(o.offlineDays, '--offline-days');
      const offlineEdits = onOff(o.offlineEdits, '--offline-edits');
      const u = await withAdmin(cmd, (a) =>
        a.setUserRights(name, o.db, {
          ...(offline !== undefined ? { offline } : {}),
          ...(offlineDays !== undefined ? { offlineDays } : {}),
          ...(offlineEdits !== undefined ? { offlineEdits } : {}),
        }),
      );
      print(
        cmd,
        { name: u.name, db: o.db, admin: u.admin, offline: u.offline, offlineDays: u.offlineDays, offlineEdits: u.offlineEdits },
        `${u.name} in ${o.db}: offline ${onoff(u.offline)}, ${u.offlineDays} day(s), offline edits ${onoff(u.offlineEdits)}`,
      );
    });
  leaf(user.command('list'))
    .description('list users (with --db: the members of that database)')
    .option('--db <db>', 'database')
    .action(async (o: { db?: string }, cmd: Command) => {
      const users = await withAdmin(cmd, (a) => a.listUsers(o.db !== undefined ? { db: o.db } : {}));
      print(
        cmd,
        { users },
        users
          .map((u) => `${u.name}\t${u.db ?? '-'}\t${u.admin ? 'admin' : 'user'}\toffline ${onoff(u.offline)} ${u.offlineDays}d edits ${onoff(u.offlineEdits)}${u.registered ? '' : '\t(invited)'}`)
          .join('\n') || 'no users',
      );
    });
  leaf(user.command('remove <name>'))
    .description('remove a user from a database, or (without --db) from the server')
    .option('--db <db>', 'database')
    .action(async (name: string, o: { db?: string }, cmd: Command) => {
      await withAdmin(cmd, (a) => a.removeUser(name, o.db));
      print(cmd, { user: name, db: o.db ?? null, removed: true }, o.db ? `removed ${name} from ${o.db}` : `removed ${name}`);
    });

  const role = program.command('role').description('roles (managed by their creators from the client)');
  leaf(role.command('list'))
    .description('list the roles of a database')
    .requiredOption('--db <db>', 'database')
    .action(async (o: { db: string }, cmd: Command) => {
      const roles = await withAdmin(cmd, (a) => a.listRoles(o.db));
      print(cmd, { roles }, roles.map((r) => `${r.name}\tcreator ${r.creator}\tmembers ${r.members.join(',') || '-'}`).join('\n') || 'no roles');
    });

  const device = program.command('device').description('devices');
  leaf(device.command('list'))
    .description('list devices')
    .option('--user <name>', 'only this user')
    .action(async (o: { user?: string }, cmd: Command) => {
      const devices = await withAdmin(cmd, (a) => a.listDevices(o.user));
      print(
        cmd,
        { devices },
        devices.map((d) => `${d.id}\t${d.user}\t${d.name}\tlast seen ${d.lastSeenAt}${d.revoked ? '\trevoked' : ''}`).join('\n') || 'no devices',
      );
    });
  leaf(device.command('revoke <id>'))
    .description('revoke a device: its sessions end at once and its offline databases are wiped at the next contact')
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const r = await withAdmin(cmd, (a) => a.revokeDevice(id));
      print(cmd, { id: r.id, users: r.users, revoked: true }, `revoked device ${r.id} (${r.users.join(', ')})`);
    });

  leaf(program.command('audit'))
    .description('the audit log, newest first')
    .option('--db <db>', 'only this database')
    .option('--since <iso>', 'only events at or after this time')
    .action(async (o: { db?: string; since?: string }, cmd: Command) => {
      const since = isoTime(o.since);
      const events = await withAdmin(cmd, (a) => a.audit({ ...(o.db !== undefined ? { db: o.db } : {}), ...(since !== undefined ? { since } : {}) }));
      print(
        cmd,
        { events },
        events.map((e) => `${e.at}\t${e.db ?? '-'}\t${e.actor ?? '-'}\t${e.action}\t${e.target ?? '-'}\t${JSON.stringify(e.detail)}`).join('\n') || 'no events',
      );
    });

  return program;
}

/** Runs the CLI; resolves to the exit code. */
export async function run(argv: string[], io?: { out: (s: string) => void; err: (s: string) => void }): Promise<number> {
  const outIo = io ?? { out: (s: string) => void process.stdout.write(s), err: (s: string) => void process.stderr.write(s) };
  const program = buildProgram(outIo);
  const json = argv.includes('--json');
  const fail = (code: string, message: string, exit: number): number => {
    outIo.err(json ? `${JSON.stringify({ error: { code, message } })}\n` : `error: ${safeText(message)}\n`);
    return exit;
  };
  if (argv.filter((a) => !a.startsWith('-')).length === 0 && !argv.some((a) => ['--help', '-h', '--version', '-V'].includes(a))) {
    outIo.err(program.helpInformation());
    return EXIT.usage;
  }
  try {
    await program.parseAsync(argv, { from: 'user' });
    return EXIT.ok;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return EXIT.ok;
      if (e.code === 'commander.executeSubCommandAsync') return EXIT.ok;
      return fail('bad_request', e.message.replace(/^error: /, ''), EXIT.usage);
    }
    if (e instanceof SafeholdError) return fail(e.code, e.message, exitCodeOf(e));
    const msg = e instanceof Error ? e.message : String(e);
    return fail('internal', msg, EXIT.other);
  }
}

// Entry point when run as the binary (bin/safehold-server.js imports this module).
const isMain = process.argv[1] !== undefined && /safehold-server(\.js)?$/.test(process.argv[1]);
if (isMain) {
  void run(process.argv.slice(2)).then((code) => {
    process.exitCode = code;
  });
}
