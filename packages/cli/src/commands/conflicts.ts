/** `safehold conflicts [--json]` and `conflicts resolve ID --keep server|mine` (E5: offline edits). */
import type { Command } from 'commander';
import type { Cli } from '../runtime.js';
import { examples } from '../format.js';
import { usage } from '../usage.js';

export function registerConflictCommands(program: Command, cli: Cli): void {
  const conflicts = program
    .command('conflicts')
    .description('offline changes that met a conflict or were rejected at the push, kept until you settle them')
    .addHelpText('after', () => examples('safehold conflicts', 'safehold conflicts --json', 'safehold conflicts resolve <ID> --keep mine'))
    .action(async (_o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const list = sdk.listConflicts(ctx);
      const out = list.map((c) => ({ id: c.id, record: c.record, kind: c.kind, at: c.at, fields: c.fields, reason: c.reason, name: c.name, change: c.change }));
      cli.print(cmd, { conflicts: out }, () =>
        out.length === 0
          ? 'no conflicts'
          : out
              .map((c) => `${c.id}  ${c.kind.padEnd(8)}  record ${c.record}  ${c.name ?? ''}\n  ${c.at}  ${c.reason}${c.fields.length > 0 ? ` (fields: ${c.fields.join(', ')})` : ''}`)
              .join('\n'),
      );
    });

  conflicts
    .command('resolve')
    .description('settle one conflict: keep the server version, or make the offline version current (a new revision)')
    .argument('<id>', 'a conflict id from `safehold conflicts`, or the record id')
    .requiredOption('--keep <side>', 'server or mine')
    .addHelpText('after', () => examples('safehold conflicts resolve <ID> --keep server', 'safehold conflicts resolve <RECORD_ID> --keep mine'))
    .action(async (id: string, o: { keep: string }, cmd: Command) => {
      if (o.keep !== 'server' && o.keep !== 'mine') throw usage('--keep takes server or mine');
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const r = await sdk.resolveConflict(ctx, id, o.keep);
      cli.print(cmd, r, () =>
        r.kept === 'server'
          ? `conflict ${r.id} settled: the server version of ${r.record} stays`
          : r.removed
            ? `conflict ${r.id} settled: record ${r.record} deleted`
            : `conflict ${r.id} settled: the offline version is current${r.current && r.current.id !== r.record ? ` as record ${r.current.id}` : ''} (revision ${r.current?.revision ?? '-'})`,
      );
    });
}
