/** `safehold offline sync|status|settings|list|remove` (spec §3.2, the Offline Add-on). */
import type { Command } from 'commander';
import type { Home, AccountFile, OfflineStatus } from '@safehold/sdk';
import type { Cli } from '../runtime.js';
import { examples } from '../format.js';
import { usage } from '../usage.js';

interface SettingsOpts {
  afterSave?: string;
  afterLogin?: string;
  interval?: string;
  path?: string;
}

/** The database of the global options, else the one set with `use`, else the only one. */
function pickDb(cli: Cli, cmd: Command, account: AccountFile): string {
  const g = cli.globals(cmd);
  if (g.db) return g.db;
  if (account.db) return account.db;
  if (account.databases.length === 1 && account.databases[0]) return account.databases[0].name;
  const names = account.databases.map((d) => d.name);
  throw usage(names.length === 0 ? `user ${account.user} is not a member of any database` : `pick a database with --db NAME (yours: ${names.join(', ')})`);
}

async function scope(cli: Cli, cmd: Command): Promise<{ home: Home; account: AccountFile; db: string; device: string }> {
  const { home, account } = await cli.account(cmd);
  return { home, account, db: pickDb(cli, cmd, account), device: home.device().id };
}

function statusText(s: OfflineStatus): string {
  const lines = [
    `database:   ${s.db}`,
    `offline:    ${s.enabled ? 'enabled' : 'disabled'} for the database; right ${s.right ? 'granted' : 'missing'}; ${s.offlineDays} days${s.source === 'local' ? ' (as of the last sync)' : ''}`,
    `copy:       ${s.exists ? `${s.records} records, last sync ${s.lastSync ?? 'never'}, expires ${s.expiresAt ?? '-'}` : s.wiped ? `wiped on ${s.wiped.at}: ${s.wiped.why}` : 'none (the first sync is manual: safehold offline sync)'}`,
    `pending:    ${s.pending} offline change(s) queued${s.pending > 0 ? ' (pushed at the next sync)' : ''}`,
    `path:       ${s.path}`,
    `triggers:   after save ${s.settings.afterSave ? 'on' : 'off'}, after login ${s.settings.afterLogin ? 'on' : 'off'}, every ${s.settings.intervalMinutes} min`,
  ];
  return lines.join('\n');
}

export function registerOfflineCommands(program: Command, cli: Cli): void {
  const offline = program
    .command('offline')
    .description('the Offline Add-on: an encrypted local copy for use without the server')
    .addHelpText('after', () => examples('safehold offline sync', 'safehold offline status --json', 'safehold offline settings --interval 15 --after-save off', 'safehold --offline search router'));

  offline
    .command('sync')
    .description('synchronise the offline database now; the first sync creates it')
    .addHelpText('after', () => examples('safehold offline sync', 'safehold offline sync --json', 'safehold --db finance offline sync'))
    .option('--limit <n>', 'records per page asked of the server (default the largest)')
    .action(async (o: { limit?: string }, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const { SafeholdError } = await import('@safehold/protocol');
      const limit = o.limit === undefined ? undefined : Number(o.limit);
      if (limit !== undefined && (!/^[0-9]+$/.test(o.limit ?? '') || limit < 1 || limit > 2000)) throw usage('--limit takes a whole number from 1 to 2000');
      const ctx = await cli.open(cmd);
      let res;
      try {
        res = await sdk.syncOffline(ctx, { create: true, ...(limit !== undefined ? { limit } : {}) });
      } catch (e) {
        if (e instanceof SafeholdError && e.code === 'unreachable') {
          throw new SafeholdError('unreachable', `${e.message}; offline sync needs the server (offline mode offers list, search, show and copy)`);
        }
        throw e;
      }
      if (!res) throw new SafeholdError('internal', 'offline sync did not run');
      if (cli.json(cmd)) cli.print(cmd, res, '');
      else cli.io.stderr.write(`${sdk.completionNotice(res)}\n`);
    });

  offline
    .command('status')
    .description('is offline enabled, the right, days, last sync, expiry, path, counts, settings')
    .addHelpText('after', () => examples('safehold offline status', 'safehold offline status --json'))
    .action(async (_o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const s = await scope(cli, cmd);
      let info = null;
      // With a way to unlock non-interactively, ask the server for the current switch and right.
      const env = cli.io.env;
      if (env.SAFEHOLD_SESSION || env.SAFEHOLD_PASSWORD || cli.globals(cmd).passwordStdin) {
        try {
          const ctx = await cli.open(cmd);
          info = await sdk.fetchOfflineInfo(ctx, s.db);
        } catch {
          info = null;
        }
      }
      const st = sdk.offlineStatus({ home: s.home, server: s.account.server, user: s.account.user, db: s.db, device: s.device }, info);
      cli.print(cmd, st, () => statusText(st));
    });

  offline
    .command('settings')
    .description('triggers and location of the offline databases (shown when given no option)')
    .addHelpText('after', () => examples('safehold offline settings', 'safehold offline settings --after-save off --interval 15', 'safehold offline settings --path /secure/offline'))
    .option('--after-save <on|off>', 'sync after each own add, edit, rm (default on)')
    .option('--after-login <on|off>', 'sync after the login command (default on)')
    .option('--interval <minutes>', 'sync every MINUTES with `safehold agent` (default 30)')
    .option('--path <dir>', 'directory of the offline databases (default <home>/offline; "" for the default)')
    .option('--force', 'change the path even while offline changes are queued')
    .action(async (o: SettingsOpts & { force?: boolean }, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const { home, account } = await cli.account(cmd);
      const change = {
        ...(o.afterSave !== undefined ? { afterSave: sdk.parseOnOff('--after-save', o.afterSave) } : {}),
        ...(o.afterLogin !== undefined ? { afterLogin: sdk.parseOnOff('--after-login', o.afterLogin) } : {}),
        ...(o.interval !== undefined ? { intervalMinutes: sdk.parseInterval(o.interval) } : {}),
        ...(o.path !== undefined ? { path: o.path } : {}),
      };
      const next = sdk.changeSettings(home, account.server, account.user, home.device().id, change, { force: o.force === true });
      const out = { afterSave: next.afterSave, afterLogin: next.afterLogin, intervalMinutes: next.intervalMinutes, path: sdk.offlineDir(home, next) };
      cli.print(cmd, out, `after save: ${out.afterSave ? 'on' : 'off'}\nafter login: ${out.afterLogin ? 'on' : 'off'}\ninterval: ${out.intervalMinutes} min\npath: ${out.path}`);
    });

  offline
    .command('list')
    .description('the offline databases on this device')
    .addHelpText('after', () => examples('safehold offline list', 'safehold offline list --json'))
    .action(async (_o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const home = await cli.home(cli.globals(cmd));
      const databases = sdk.listOfflineDatabases(home);
      cli.print(cmd, { databases }, () =>
        databases.length === 0
          ? 'no offline databases on this device'
          : databases.map((d) => `${d.user}@${d.server} ${d.db}: ${d.records} records, last sync ${d.lastSync ?? 'never'}, expires ${d.expiresAt ?? '-'}\n  ${d.path}`).join('\n'),
      );
    });

  offline
    .command('remove')
    .description('delete the offline database of this account and database (crypto-shredding)')
    .option('--force', 'remove it even while offline changes are queued (they are lost)')
    .addHelpText('after', () => examples('safehold offline remove', 'safehold --db finance offline remove', 'safehold offline remove --force'))
    .action(async (o: { force?: boolean }, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const s = await scope(cli, cmd);
      let lost = 0;
      const removed = sdk.removeOfflineDatabase(
        { home: s.home, server: s.account.server, user: s.account.user, db: s.db, device: s.device },
        { force: o.force === true, lost: (n) => (lost = n) },
      );
      if (lost > 0) cli.io.stderr.write(`warning: ${lost} queued offline change(s) were never pushed and are lost\n`);
      cli.print(cmd, { db: s.db, removed, ...(lost > 0 ? { lost } : {}) }, removed ? `offline database of ${s.db} removed` : `no offline database of ${s.db} on this device`);
    });

  offline
    .command('pending')
    .description('the offline changes queued for the next sync (record, kind, when; never secrets)')
    .addHelpText('after', () => examples('safehold offline pending', 'safehold offline pending --json'))
    .action(async (_o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const pending = sdk.listPending(ctx);
      cli.print(cmd, { pending }, () =>
        pending.length === 0 ? 'no offline changes queued' : pending.map((p) => `${p.at}  ${p.kind.padEnd(6)}  ${p.record}  ${p.name ?? ''}`).join('\n'),
      );
    });
}
