/** role create / add / remove / list. */
import type { Command } from 'commander';
import type { Cli } from '../runtime.js';
import type { RoleView } from '@safehold/sdk';
import { examples } from '../format.js';

function roleText(r: RoleView): string {
  return `${r.name}  creator ${r.creator}  members ${r.members.join(',') || '-'}  key ${r.fingerprint}`;
}

export function registerRoleCommands(program: Command, cli: Cli): void {
  const role = program
    .command('role')
    .description('roles: named groups with their own key pair, managed by their creator')
    .addHelpText('after', () => examples('safehold role create ops', 'safehold role add ops carol', 'safehold role list'));

  role
    .command('create')
    .description('create a role (you become its first member and manage its members)')
    .argument('<role>', 'role name')
    .addHelpText('after', () => examples('safehold role create ops'))
    .action(async (name: string, _o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const r = await sdk.createRole(ctx, name);
      cli.print(cmd, r, `created role ${r.name}`);
    });

  role
    .command('add')
    .description("add a member: wraps the role's key for the member's public key")
    .argument('<role>', 'role name')
    .argument('<user>', 'user to add')
    .addHelpText('after', () => examples('safehold role add ops carol'))
    .action(async (name: string, user: string, _o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const r = await sdk.addRoleMember(ctx, name, user);
      cli.print(cmd, r, `added ${user} to role ${r.name}`);
    });

  role
    .command('remove')
    .description('remove a member from a role')
    .argument('<role>', 'role name')
    .argument('<user>', 'user to remove')
    .addHelpText('after', () => examples('safehold role remove ops carol'))
    .action(async (name: string, user: string, _o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const r = await sdk.removeRoleMember(ctx, name, user);
      cli.print(cmd, r, `removed ${user} from role ${r.name}`);
    });

  role
    .command('list')
    .description('the roles of the database')
    .addHelpText('after', () => examples('safehold role list --json'))
    .action(async (_o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const roles = await sdk.listRoles(ctx);
      cli.print(cmd, { roles }, () => (roles.length ? roles.map(roleText).join('\n') : 'no roles'));
    });
}
