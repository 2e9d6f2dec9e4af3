/** add, edit, rm, list, search, show, copy, history, mask, unmask. */
import { Option, type Command } from 'commander';
import type { Cli } from '../runtime.js';
import { collect, examples, recordTable, recordText } from '../format.js';
import { usage } from '../usage.js';

interface RecordOpts {
  name?: string;
  username?: string;
  password?: string;
  generate?: boolean;
  length?: string;
  chars?: string;
  url?: string;
  notes?: string;
  tag?: string[];
  field?: string[];
  secretField?: string[];
  secretFieldStdin?: string[];
  masked?: boolean;
  baseRevision?: string;
}

function pairs(list: string[] | undefined, flag: string): Array<{ name: string; value: string }> | undefined {
  if (!list) return undefined;
  return list.map((kv) => {
    const i = kv.indexOf('=');
    if (i <= 0) throw usage(`${flag} expects NAME=VALUE, got "${kv.slice(0, 40)}"`);
    return { name: kv.slice(0, i), value: kv.slice(i + 1) };
  });
}

async function passwordOf(o: RecordOpts): Promise<string | undefined> {
  if (o.generate && o.password !== undefined) throw usage('give either --password or --generate, not both');
  if (!o.generate) {
    if (o.length !== undefined || o.chars !== undefined) throw usage('--length and --chars go with --generate');
    return o.password;
  }
  const length = o.length === undefined ? 20 : Number(o.length);
  if (!Number.isInteger(length) || length < 4 || length > 1024) throw usage('--length must be a whole number from 4 to 1024');
  const sets = (o.chars ?? 'lower,upper,digits,symbols').split(',').map((s) => s.trim()).filter(Boolean);
  const known = ['lower', 'upper', 'digits', 'symbols'];
  for (const s of sets) if (!known.includes(s)) throw usage(`unknown character set "${s}" (sets: ${known.join(', ')})`);
  if (sets.length === 0) throw usage('--chars needs at least one set');
  const { generatePassword } = await import('@safehold/sdk');
  return generatePassword(length, sets as Array<'lower' | 'upper' | 'digits' | 'symbols'>);
}

function recordOptions(cmd: Command, forAdd: boolean): Command {
  if (forAdd) cmd.requiredOption('--name <name>', 'record name');
  else cmd.option('--name <name>', 'record name');
  return cmd
    .option('--username <user>', 'user name')
    .option('--password <password>', 'the password (visible in the process list: prefer --generate or an editor)')
    .option('--generate', 'generate a random password')
    .option('--length <n>', 'generated password length (default 20)')
    .option('--chars <sets>', 'character sets: lower,upper,digits,symbols (default all)')
    .option('--url <url>', 'URL')
    .option('--notes <text>', 'notes')
    .option('--tag <tag>', `tag (repeatable${forAdd ? '' : '; replaces the tags'})`, collect)
    .option('--field <name=value>', 'non-secret custom field (repeatable)', collect)
    .option(
      '--secret-field <name=value>',
      `secret custom field (repeatable${forAdd ? '' : '; an empty value removes it'}; the value is visible in the process list: prefer --secret-field-stdin)`,
      collect,
    )
    .option('--secret-field-stdin <name>', 'secret custom field NAME, its value read from the next line of standard input (repeatable; after the master password with --password-stdin)', collect);
}

/** --secret-field pairs, then the --secret-field-stdin ones (read now, from the next stdin lines). */
async function secretFieldsOf(o: RecordOpts): Promise<Array<{ name: string; value: string }> | undefined> {
  const fromArgs = pairs(o.secretField, '--secret-field');
  if (!o.secretFieldStdin) return fromArgs;
  const { nextStdinLine } = await import('../password.js');
  const out = [...(fromArgs ?? [])];
  for (const name of o.secretFieldStdin) {
    if (name === '' || name.includes('=')) throw usage(`--secret-field-stdin takes a field NAME (the value comes from standard input), not "${name.slice(0, 40)}"`);
    const value = nextStdinLine();
    if (value === undefined) throw usage(`--secret-field-stdin ${name}: no value on standard input`);
    out.push({ name, value });
  }
  return out;
}

export function registerRecordCommands(program: Command, cli: Cli): void {
  recordOptions(program.command('add').description('add a record (then the after-save offline sync)'), true)
    .option('--masked', 'mask the secret for users without the authorize right')
    .addHelpText('after', () =>
      examples(
        'safehold add --name "Billing portal" --username billing --generate --length 24 --url https://billing.example.com --tag finance',
        'safehold add --name "Core router" --password "…" --masked --secret-field enable=…',
      ),
    )
    .action(async (o: RecordOpts, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const password = await passwordOf(o);
      const ctx = await cli.open(cmd);
      const secretFields = (await secretFieldsOf(o)) ?? [];
      const view = await sdk.createRecord(ctx, {
        name: o.name ?? '',
        ...(o.username !== undefined ? { username: o.username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(o.url !== undefined ? { url: o.url } : {}),
        ...(o.notes !== undefined ? { notes: o.notes } : {}),
        tags: o.tag ?? [],
        fields: pairs(o.field, '--field') ?? [],
        secretFields,
        masked: o.masked === true,
      }, { offline: cli.globals(cmd).offline === true });
      cli.print(cmd, view, () => `added ${view.id}  ${view.name}${view.pending ? ' (offline: pending until the next sync)' : ''}`);
    });

  recordOptions(program.command('edit').description('edit a record: a new revision (then the after-save offline sync)').argument('<id>', 'record id'), false)
    .option('--base-revision <rev>', 'refuse (exit 8) unless this is still the current revision')
    .addHelpText('after', () => examples('safehold edit <ID> --password "new-secret"', 'safehold edit <ID> --tag ops --tag prod --base-revision <REV>'))
    .action(async (id: string, o: RecordOpts, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const password = await passwordOf(o);
      const changes = {
        ...(o.name !== undefined ? { name: o.name } : {}),
        ...(o.username !== undefined ? { username: o.username } : {}),
        ...(password !== undefined ? { password } : {}),
        ...(o.url !== undefined ? { url: o.url } : {}),
        ...(o.notes !== undefined ? { notes: o.notes } : {}),
        ...(o.tag !== undefined ? { tags: o.tag } : {}),
        ...(o.field !== undefined ? { fields: pairs(o.field, '--field') } : {}),
      };
      const ctx = await cli.open(cmd);
      const secretFields = await secretFieldsOf(o);
      if (secretFields !== undefined) Object.assign(changes, { secretFields });
      const view = await sdk.editRecord(ctx, id, changes, { ...(o.baseRevision ? { baseRevision: o.baseRevision } : {}), offline: cli.globals(cmd).offline === true });
      cli.print(cmd, view, () => `updated ${view.id}  ${view.name} (revision ${view.revision})${view.pending ? ' (offline: pending until the next sync)' : ''}`);
    });

  program
    .command('rm')
    .description('delete a record (then the after-save offline sync)')
    .argument('<id>', 'record id')
    .addHelpText('after', () => examples('safehold rm <ID>'))
    .action(async (id: string, _o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const r = await sdk.removeRecord(ctx, id, { offline: cli.globals(cmd).offline === true });
      cli.print(cmd, { id, removed: true, ...(r.pending ? { pending: true } : {}) }, `removed ${id}${r.pending ? ' (offline: pending until the next sync)' : ''}`);
    });

  program
    .command('list')
    .description('list records (never prints a secret)')
    .option('--tag <tag>', 'only records with this tag')
    .addHelpText('after', () => examples('safehold list', 'safehold list --tag finance --json'))
    .action(async (o: { tag?: string }, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const src = await sdk.resolveSource(ctx, { offline: cli.globals(cmd).offline === true });
      let records = await src.list();
      if (o.tag !== undefined) records = records.filter((r) => sdk.hasTag(r, o.tag ?? ''));
      cli.print(cmd, { records, source: src.kind }, () => recordTable(records));
    });

  program
    .command('search')
    .description('search names, user names, urls, tags and notes (case- and accent-insensitive; never secrets)')
    .argument('<query>', 'words to look for')
    .addHelpText('after', () => examples('safehold search billing', 'safehold search "core router" --json'))
    .action(async (query: string, _o: unknown, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const src = await sdk.resolveSource(ctx, { offline: cli.globals(cmd).offline === true });
      const records = sdk.searchRecords(await src.list(), query);
      cli.print(cmd, { records, source: src.kind }, () => recordTable(records));
    });

  program
    .command('show')
    .description('show a record; secrets only with --reveal (refused, exit 5, when masked for you or sealed)')
    .argument('<id>', 'record id')
    .option('--reveal', 'show the password and secret fields')
    .addHelpText('after', () => examples('safehold show <ID>', 'safehold show <ID> --reveal --json'))
    .action(async (id: string, o: { reveal?: boolean }, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const src = await sdk.resolveSource(ctx, { offline: cli.globals(cmd).offline === true });
      const r = await src.get(id);
      if (o.reveal) {
        const v = sdk.revealView(r.view, sdk.revealableSecret(r.view, r.secret));
        cli.print(cmd, v, () => recordText(v));
      } else cli.print(cmd, r.view, () => recordText(r.view));
    });

  program
    .command('copy')
    .description('copy a secret to the clipboard (or SAFEHOLD_CLIPBOARD_CMD); cleared after --clear-after seconds')
    .argument('<id>', 'record id')
    .option('--field <name>', 'password (default), a secret field, username, url or a custom field', 'password')
    .addOption(new Option('--clear-after <seconds>', 'clear the clipboard after this many seconds (0 = never)').default('30'))
    .addHelpText('after', () => examples('safehold copy <ID>', 'safehold copy <ID> --field enable --clear-after 10', 'SAFEHOLD_CLIPBOARD_CMD="xclip -selection primary" safehold copy <ID>'))
    .action(async (id: string, o: { field: string; clearAfter: string }, cmd: Command) => {
      const clearAfter = Number(o.clearAfter);
      if (!Number.isInteger(clearAfter) || clearAfter < 0) throw usage('--clear-after must be a whole number of seconds (0 = never)');
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const src = await sdk.resolveSource(ctx, { offline: cli.globals(cmd).offline === true });
      const r = await src.get(id);
      const header = r.header ?? {
        username: r.view.username,
        url: r.view.url,
        fields: r.view.fields.flatMap((f) => (!f.secret && f.value !== undefined ? [{ name: f.name, value: f.value }] : [])),
      };
      const value = sdk.pickValue(r.view, header, r.secret, o.field);
      const { copyToClipboard } = await import('../clipboard.js');
      await copyToClipboard(value, clearAfter, cli.io.env);
      cli.print(
        cmd,
        { id: r.view.id, field: o.field, copied: true, clearAfter, source: src.kind },
        `copied the ${o.field} of "${r.view.name}" to the clipboard${clearAfter > 0 ? ` (cleared in ${clearAfter} s)` : ''}`,
      );
    });

  program
    .command('history')
    .description("a record's revisions; secrets only with --reveal")
    .argument('<id>', 'record id')
    .option('--reveal', 'show each revision\'s password (refused when masked for you or sealed)')
    .addHelpText('after', () => examples('safehold history <ID>', 'safehold history <ID> --reveal --json'))
    .action(async (id: string, o: { reveal?: boolean }, cmd: Command) => {
      const sdk = await import('@safehold/sdk');
      const ctx = await cli.open(cmd);
      const h = await sdk.recordHistory(ctx, id, { reveal: o.reveal === true });
      cli.print(cmd, h, () =>
        h.revisions
          .map((r) => `${r.revision}  ${r.updatedAt}  ${r.updatedBy}  ${r.name}${r.conflict ? '  (offline conflict)' : ''}${r.password !== undefined ? `  password: ${r.password}` : ''}`)
          .join('\n'),
      );
    });

  for (const [name, masked] of [['mask', true], ['unmask', false]] as const) {
    program
      .command(name)
      .description(masked ? 'mask a record: users without authorize may copy but never display its secret' : 'lift the masking of a record')
      .argument('<id>', 'record id')
      .addHelpText('after', () => examples(`safehold ${name} <ID>`))
      .action(async (id: string, _o: unknown, cmd: Command) => {
        const sdk = await import('@safehold/sdk');
        const ctx = await cli.open(cmd);
        const view = await sdk.setMasked(ctx, id, masked);
        cli.print(cmd, view, `${masked ? 'masked' : 'unmasked'} ${view.id}  ${view.name}`);
      });
  }
}
