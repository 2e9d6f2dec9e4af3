/** seal, unseal, release request / approve / list. */
import type { Command } from 'commander';
import type { Cli } from '../runtime.js';
import type { ReleaseView } from '@safehold/sdk';
import { examples } from '../format.js';
import { usage } from '../usage.js';

function releaseText(r: ReleaseView): string {
  return `${r.id}  record ${r.record}  by ${r.requester}  ${r.kind === 'unseal' ? 'unseal ' : ''}${r.status} ${r.approvals}/${r.required}${r.expiresAt ? `  until ${r.expiresAt}` : ''}${r.reason ? `  "${r.reason}"` : ''}`;
}

function positiveInt(s: string | undefined, flag: string): number | undefined {
  if (s === undefined) return undefined;
  const n = Number(s);
  if (!Number.isInteger(n) || n < 1) throw usage(`${flag} must be a positive whole number`);
  return n;
}

export function registerSealCommands(program: Command, cli: Cli): void {
  program
    .command('seal')
    .description("seal a record: its secret (key rotated) needs a release approved by N of the approvers")
    .argument('<id>', 'record id')
    .requiredOption('--approvers <users>', 'comma list of approvers')
    .option('--required <n>', 'approvals needed (default 1)')
    .option('--window <minutes>', 'how long an approved release lasts (default 60)')
    .addHelpText('after', () => examples('safehold seal <ID> --approvers carol,dave --required 2 --window 30'))
    .action(async (id: string, o: { approvers: string; required?: string; window?: string }, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const required = positiveInt(o.required, '--required');
      const windowMinutes = positiveInt(o.window, '--window');
      const ctx = await cli.open(cmd);
      const v = await sdk.sealRecord(ctx, id, {
        approvers: o.approvers.split(','),
        ...(required !== undefined ? { required } : {}),
        ...(windowMinutes !== undefined ? { windowMinutes } : {}),
      });
      cli.print(cmd, v, `sealed ${v.id}  ${v.name}`);
    });

  program
    .command('unseal')
    .description("lift a record's seal (cancels its releases); needs an approved release of kind unseal")
    .argument('<id>', 'record id')
    .addHelpText('after', () => examples('safehold release request <ID> --kind unseal --reason "no longer critical"', 'safehold unseal <ID>'))
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const v = await sdk.unsealRecord(ctx, id);
      cli.print(cmd, v, `unsealed ${v.id}  ${v.name}`);
    });

  const release = program
    .command('release')
    .description('release requests for sealed records')
    .addHelpText('after', () => examples('safehold release request <ID> --reason "rotate CA"', 'safehold release approve <REQ_ID>', 'safehold release list'));

  release
    .command('request')
    .description("ask the approvers to release a sealed record's secret")
    .argument('<id>', 'record id')
    .option('--reason <text>', 'why you need it', '')
    .option('--kind <kind>', 'read (the secret) or unseal (lifting the seal)', 'read')
    .addHelpText('after', () => examples('safehold release request <ID> --reason "rotate CA"', 'safehold release request <ID> --kind unseal'))
    .action(async (id: string, o: { reason: string; kind: string }, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      if (o.kind !== 'read' && o.kind !== 'unseal') throw usage('--kind must be read or unseal');
      const ctx = await cli.open(cmd);
      const r = await sdk.requestRelease(ctx, id, o.reason, o.kind);
      cli.print(cmd, r, () => releaseText(r));
    });

  release
    .command('approve')
    .description('approve a release request (as one of its approvers)')
    .argument('<requestId>', 'release request id')
    .addHelpText('after', () => examples('safehold release approve <REQ_ID>'))
    .action(async (rid: string, _o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const { asReleaseId } = await import('@safehold/protocol');
      const ctx = await cli.open(cmd);
      // The argument is taken as a release id; the SDK checks its shape (not_found otherwise).
      const r = await sdk.approveRelease(ctx, asReleaseId(rid));
      cli.print(cmd, r, () => releaseText(r));
    });

  release
    .command('list')
    .description('release requests you made or may approve')
    .addHelpText('after', () => examples('safehold release list --json'))
    .action(async (_o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const releases = await sdk.listReleases(ctx);
      cli.print(cmd, { releases }, () => (releases.length ? releases.map(releaseText).join('\n') : 'no release requests'));
    });
}
