/** share, unshare, rights, trust. */
import { Option, type Command } from 'commander';
import type { Cli } from '../runtime.js';
import type { RightsView } from '@safehold/sdk';
import { examples } from '../format.js';
import { usage } from '../usage.js';

interface GranteeOpts {
  granteeUser?: string;
  role?: string;
}

function grantee(o: GranteeOpts): { user: string } | { role: string } {
  if (o.granteeUser !== undefined && o.role !== undefined) throw usage('give either --user or --role, not both');
  if (o.granteeUser !== undefined) return { user: o.granteeUser };
  if (o.role !== undefined) return { role: o.role };
  throw usage('give --user USER or --role ROLE');
}

function rightsText(v: RightsView): string {
  const lines = v.grants.map((g) => {
    const who = 'user' in g ? `user ${g.user}${g.user === v.creator ? ' (creator)' : ''}` : `role ${g.role}`;
    const fp = 'user' in g ? (g.keyChanged ? '  KEY CHANGED: run safehold trust ' + g.user : g.fingerprint ? `  key ${g.fingerprint}` : '') : '';
    return `${who.padEnd(28)} ${g.rights.join(',')}${fp}`;
  });
  return [`record ${v.record}`, ...lines].join('\n');
}

export function registerSharingCommands(program: Command, cli: Cli): void {
  program
    .command('share')
    .description("share a record with a user or a role; sets that grantee's rights to exactly the list")
    .argument('<id>', 'record id')
    .addOption(new Option('--grantee-user <user>', 'grantee user (written --user after the command)').hideHelp())
    .option('--role <role>', 'grantee role')
    .addHelpText('after', '\nOptions (grantee):\n  --user <user>  grantee user (after the command; --user before it picks your account)')
    .requiredOption('--rights <rights>', 'comma list of read,write,delete,authorize,export')
    .addHelpText('after', () => examples('safehold share <ID> --user bob --rights read,export', 'safehold share <ID> --role ops --rights read'))
    .action(async (id: string, o: GranteeOpts & { rights: string }, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const who = grantee(o);
      const rights = sdk.parseRights(o.rights);
      const ctx = await cli.open(cmd);
      const v = await sdk.shareRecord(ctx, id, who, rights);
      cli.print(cmd, v, () => rightsText(v));
    });

  program
    .command('unshare')
    .description("remove a user's or role's grant (keys are not rotated: see the README's security section)")
    .argument('<id>', 'record id')
    .addOption(new Option('--grantee-user <user>', 'grantee user (written --user after the command)').hideHelp())
    .option('--role <role>', 'grantee role')
    .addHelpText('after', '\nOptions (grantee):\n  --user <user>  grantee user (after the command; --user before it picks your account)')
    .addHelpText('after', () => examples('safehold unshare <ID> --user bob', 'safehold unshare <ID> --role ops'))
    .action(async (id: string, o: GranteeOpts, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const who = grantee(o);
      const ctx = await cli.open(cmd);
      const v = await sdk.unshareRecord(ctx, id, who);
      cli.print(cmd, v, () => rightsText(v));
    });

  program
    .command('rights')
    .description('who holds which rights on a record (with key fingerprints)')
    .argument('<id>', 'record id')
    .addHelpText('after', () => examples('safehold rights <ID>', 'safehold rights <ID> --json'))
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const v = await sdk.recordRights(ctx, id);
      cli.print(cmd, v, () => rightsText(v));
    });

  program
    .command('trust')
    .description('accept the current public key of USER, or of a role with --role (after you verified its fingerprint)')
    .argument('[user]', 'user name')
    .option('--role <role>', "accept the role's current key instead (a changed or unsigned role key)")
    .option('--fingerprint <fp>', 'trust only if the key has this fingerprint (as shown by `rights` or the error); refused (exit 5) otherwise')
    .addHelpText('after', () => examples('safehold trust bob', 'safehold trust bob --fingerprint 3f2a:9c01:…', 'safehold trust --role ops --fingerprint 77e0:…'))
    .action(async (user: string | undefined, o: { role?: string; fingerprint?: string }, cmd: Command) => {
      if ((user === undefined) === (o.role === undefined)) throw usage('give either USER or --role ROLE');
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      if (o.role !== undefined) {
        const r = await sdk.trustRole(ctx, o.role, o.fingerprint);
        cli.print(cmd, r, `trusted the key of role ${r.role}: ${r.fingerprint}${r.changed ? ' (replaces the earlier pinned key)' : ''}`);
        return;
      }
      const t = await sdk.trustUser(ctx, user as string, o.fingerprint);
      cli.print(cmd, t, `trusted the key of ${t.user}: ${t.fingerprint}${t.changed ? ' (replaces the earlier pinned key)' : ''}`);
    });
}
