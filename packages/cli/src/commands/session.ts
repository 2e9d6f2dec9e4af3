/** register, login, unlock, lock, logout, passwd, use. */
import type { Command } from 'commander';
import type { Cli, GlobalOptions } from '../runtime.js';
import { examples } from '../format.js';
import { usage } from '../usage.js';

function serverAndUser(g: GlobalOptions): { server: string; user: string } {
  if (!g.server) throw usage('--server URL is required');
  if (!g.user) throw usage('--user NAME is required');
  return { server: g.server, user: g.user };
}

export function registerSessionCommands(program: Command, cli: Cli): void {
  program
    .command('register')
    .description('register with an invite: sets the master password, makes your keys, logs in')
    .requiredOption('--invite <code>', 'the one-time invite code from the admin')
    .addHelpText('after', '\nNeeds the global options --server URL and --user NAME.')
    .addHelpText('after', () => examples('safehold register --server https://vault.example.com --user alice --invite 3Jk…', 'SAFEHOLD_PASSWORD=… safehold register --server http://127.0.0.1:8080 --user bob --invite …'))
    .action(async (o: { invite: string }, cmd: Command) => {
      const g = cli.globals(cmd);
      const opts = { ...serverAndUser(g), invite: o.invite };
      const sdk = await import('@safehold/sdk');
      const read = cli.passwords(g);
      const ctx = cli.track(
        await sdk.register({
          home: await cli.home(g),
          server: opts.server,
          user: opts.user,
          invite: opts.invite,
          db: g.db ?? null,
          password: (purpose) => read(purpose, { newIsFirst: true }),
          events: await cli.events(),
          transport: cli.transport(g),
        }),
      );
      const out = { server: ctx.account.server, user: ctx.account.user, db: ctx.account.db, device: ctx.device.id, databases: ctx.accountFile.databases.map((d) => d.name) };
      cli.print(cmd, out, `registered ${out.user} on ${out.server}${out.db ? ` (database ${out.db})` : ''}; logged in on this device`);
    });

  program
    .command('login')
    .description('log in on this device (then the after-login offline sync)')
    .addHelpText('after', '\nNeeds the global options --server URL and --user NAME.')
    .addHelpText('after', () => examples('safehold login --server https://vault.example.com --user alice'))
    .action(async (_o: unknown, cmd: Command) => {
      const g = cli.globals(cmd);
      const opts = serverAndUser(g);
      const sdk = await import('@safehold/sdk');
      const ctx = cli.track(
        await sdk.login({ home: await cli.home(g), server: opts.server, user: opts.user, db: g.db ?? null, password: cli.passwords(g), events: await cli.events(), transport: cli.transport(g) }),
      );
      const out = { server: ctx.account.server, user: ctx.account.user, db: ctx.account.db, device: ctx.device.id, databases: ctx.accountFile.databases.map((d) => d.name) };
      cli.print(cmd, out, `logged in as ${out.user} on ${out.server}${out.db ? ` (database ${out.db})` : ''}`);
    });

  program
    .command('unlock')
    .description('print a SAFEHOLD_SESSION key so later commands need no master password')
    .option('--raw', 'print only the key')
    .addHelpText('after', () => examples('eval "$(safehold unlock)"', 'export SAFEHOLD_SESSION=$(safehold unlock --raw)'))
    .action(async (opts: { raw?: boolean }, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const key = sdk.unlock(ctx);
      if (cli.json(cmd)) cli.print(cmd, { session: key, user: ctx.account.user, server: ctx.account.server }, '');
      else cli.io.stdout.write(opts.raw ? `${key}\n` : `export SAFEHOLD_SESSION=${key}\n`);
    });

  program
    .command('lock')
    .description('forget the unlocked session: SAFEHOLD_SESSION no longer opens anything')
    .addHelpText('after', () => examples('safehold lock && unset SAFEHOLD_SESSION'))
    .action(async (_opts: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const { home, account } = await cli.account(cmd);
      sdk.lock(home, account);
      cli.print(cmd, { locked: true, user: account.user, server: account.server }, 'locked');
    });

  program
    .command('logout')
    .description('end the server session and forget the session token on this device')
    .option('--force', 'log out even while offline changes are queued (they stay queued until the next login and sync)')
    .addHelpText('after', () => examples('safehold logout', 'safehold logout --force'))
    .action(async (opts: { force?: boolean }, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      await sdk.logout(ctx, { force: opts.force === true });
      cli.print(cmd, { loggedOut: true, user: ctx.account.user, server: ctx.account.server }, `logged out ${ctx.account.user}`);
    });

  program
    .command('passwd')
    .description('change the master password (online): re-wraps your user key, nothing else changes')
    .addHelpText('after', () =>
      examples('safehold passwd', 'SAFEHOLD_PASSWORD=old SAFEHOLD_NEW_PASSWORD=new safehold passwd', 'printf "old\\nnew\\n" | safehold passwd --password-stdin'),
    )
    .action(async (_opts: unknown, cmd: Command) => {
      const g = cli.globals(cmd);
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const read = cli.passwords(g);
      const next = await read('new');
      await sdk.changePassword(ctx, null, next);
      cli.print(cmd, { changed: true, user: ctx.account.user }, 'master password changed');
    });

  program
    .command('use')
    .description('pick the database later commands use')
    .argument('<db>', 'database name')
    .addHelpText('after', () => examples('safehold use main'))
    .action(async (db: string, _opts: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const { home, account } = await cli.account(cmd);
      sdk.useDatabase(home, account, db);
      cli.print(cmd, { db, user: account.user, server: account.server }, `using database ${db}`);
    });
}
