/** The `safehold` command line: global options, the command registry, errors and exit codes (spec §3). */
import { Command, CommanderError } from 'commander';
import { readFileSync } from 'node:fs';
import { Cli, type CliIo } from './runtime.js';
import { COMMAND_GROUPS, type CommandGroup, type Registrar } from './commands/index.js';
import { safeText } from './format.js';

/** Commands that can read from the offline database when the server is unreachable. */
const OFFLINE_CAPABLE = new Set(['list', 'search', 'show', 'copy', 'add', 'edit', 'rm']);
/** Commands that never need the server. */
const LOCAL_ONLY = new Set(['lock', 'use', 'unlock', 'offline', 'conflicts']);

/** The global options that take a value (spec §3.2). */
const GLOBAL_VALUE_OPTIONS = new Set(['--home', '--server', '--user', '--db', '--ca-file']);
/** The global options without a value. */
const GLOBAL_FLAGS = new Set(['--json', '--offline', '--password-stdin', '--insecure-http']);

function version(): string {
  return (JSON.parse(readFileSync(new URL('../package.json', import.meta.url), 'utf8')) as { version: string }).version;
}

/**
 * Builds the program for `argv`: only the group of the command it invokes when the command is found
 * after nothing but global options, else every command (exported for tests: no argv, the whole program).
 */
export async function buildProgram(cli: Cli, argv?: readonly string[]): Promise<Command> {
  const groups = argv === undefined ? COMMAND_GROUPS : groupsFor(argv);
  return assemble(cli, await Promise.all(groups.map((g) => g.load())));
}

/** The command groups a run of `argv` needs: the invoked command's, or all of them. */
function groupsFor(argv: readonly string[]): readonly CommandGroup[] {
  let i = 0;
  while (i < argv.length) {
    const a = argv[i] ?? '';
    if (!a.startsWith('-')) break;
    const flag = a.startsWith('--') && a.includes('=') ? a.slice(0, a.indexOf('=')) : a;
    if (GLOBAL_VALUE_OPTIONS.has(flag)) i += flag === a ? 2 : 1;
    else if (GLOBAL_FLAGS.has(a)) i += 1;
    else return COMMAND_GROUPS; // --help, --version, an unknown or malformed option: commander answers with every command
  }
  const name = argv[i];
  const group = name === undefined ? undefined : COMMAND_GROUPS.find((g) => g.names.includes(name));
  return group ? [group] : COMMAND_GROUPS;
}

function assemble(cli: Cli, registrars: readonly Registrar[]): Command {
  const program = new Command();
  program
    .name('safehold')
    .description('Safehold: end-to-end encrypted team password manager (client)')
    .version(version(), '-V, --version')
    .option('--home <dir>', 'client state directory (env SAFEHOLD_HOME)')
    .option('--server <url>', 'server URL (picks the account)')
    .option('--user <name>', 'user name (default: the last one logged in)')
    .option('--db <name>', 'database (default: the only one, or the one set with `safehold use`)')
    .option('--json', 'machine-readable output on stdout')
    .option('--offline', 'use the offline database only, no server contact (list, search, show, copy; add, edit, rm queued where offline edits are allowed)')
    .option('--password-stdin', 'read the master password from standard input')
    .option('--ca-file <file>', 'trust this CA (PEM) besides the system CAs, for a private CA or a self-signed certificate (env SAFEHOLD_CA_FILE)')
    .option('--insecure-http', 'allow plain http:// to a server that is not on a loopback address (the auth key and tokens cross the network in clear)')
    .showHelpAfterError(false)
    .exitOverride()
    .configureOutput({
      writeOut: (s) => cli.io.stdout.write(s),
      writeErr: (s) => cli.io.stderr.write(s),
      outputError: () => {
        /* printed by runCli in the spec's format */
      },
    })
    .addHelpText(
      'after',
      `
Master password: a hidden prompt on a terminal, or SAFEHOLD_PASSWORD, or --password-stdin.
\`safehold unlock\` prints a SAFEHOLD_SESSION key for the shell so later commands need no password.

Exit codes: 0 ok, 1 other error, 2 usage, 3 authentication, 4 not found, 5 forbidden,
6 offline database state, 7 server unreachable, 8 conflict.

Examples:
  $ safehold register --server https://vault.example.com --user alice --invite CODE
  $ eval "$(safehold unlock)"
  $ safehold add --name "Billing portal" --username billing --generate --tag finance
  $ safehold search billing
  $ safehold copy <ID>`,
    );
  for (const register of registrars) register(program, cli);
  for (const c of allCommands(program)) {
    c.exitOverride();
    c.configureOutput({ writeOut: (s) => cli.io.stdout.write(s), writeErr: (s) => cli.io.stderr.write(s), outputError: () => {} });
  }
  return program;
}

function allCommands(c: Command): Command[] {
  return c.commands.flatMap((x) => [x, ...allCommands(x)]);
}

function commandPath(c: Command): string[] {
  const names: string[] = [];
  for (let x: Command | null = c; x && x.parent; x = x.parent) names.unshift(x.name());
  return names;
}

/** Commands whose own `--user` names a grantee, not the account (spec §3.2 `share ID --user U`). */
const GRANTEE_USER_COMMANDS = new Set(['share', 'unshare']);

/**
 * Global options are accepted before and after the command, so `share ID --user bob` would otherwise
 * set the account: after `share`/`unshare`, `--user` is rewritten to their own `--grantee-user`.
 */
export function rewriteGranteeUser(argv: string[]): string[] {
  let i = 0;
  while (i < argv.length) {
    const a = argv[i] ?? '';
    if (a === '--') return argv;
    if (!a.startsWith('-')) break;
    i += GLOBAL_VALUE_OPTIONS.has(a) ? 2 : 1;
  }
  if (!GRANTEE_USER_COMMANDS.has(argv[i] ?? '')) return argv;
  return argv.map((a, j) => {
    if (j <= i) return a;
    if (a === '--user') return '--grantee-user';
    if (a.startsWith('--user=')) return '--grantee-user=' + a.slice('--user='.length);
    return a;
  });
}

/** Runs one CLI invocation; returns the exit code. */
export async function runCli(argv: string[], io: CliIo = { stdout: process.stdout, stderr: process.stderr, env: process.env }): Promise<number> {
  const cli = new Cli(io);
  const args = rewriteGranteeUser(argv);
  const program = await buildProgram(cli, args);
  let path: string[] = [];
  program.hook('preAction', async (_this, action) => {
    path = commandPath(action);
    // A server URL given to register/login is checked before anything else (no prompt, no connection).
    const g = cli.globals(action);
    if (g.server && (path[0] === 'register' || path[0] === 'login')) {
      const { checkServerUrl } = await import('@safehold/sdk');
      checkServerUrl(g.server, cli.transport(g));
    }
  });
  const json = argv.includes('--json');
  const fail = (code: string, message: string, exit: number): number => {
    if (json) io.stderr.write(JSON.stringify({ error: { code, message } }) + '\n');
    else io.stderr.write(`error: ${safeText(message)}\n`);
    return exit;
  };
  try {
    await program.parseAsync(args, { from: 'user' });
    return 0;
  } catch (e) {
    if (e instanceof CommanderError) {
      if (e.code === 'commander.helpDisplayed' || e.code === 'commander.version' || e.code === 'commander.help') return 0;
      if (e.code === 'commander.executeSubCommandAsync') return 0;
      return fail('bad_request', e.message.replace(/^error: /, ''), 2);
    }
    const { SafeholdError } = await import('@safehold/protocol');
    if (e instanceof SafeholdError) {
      await cli.wipeOnRefusal(e);
      let message = e.message;
      const top = path[0] ?? '';
      if (e.code === 'unreachable' && !OFFLINE_CAPABLE.has(top) && !LOCAL_ONLY.has(top)) {
        message += `; \`safehold ${path.join(' ')}\` needs the server (offline mode offers list, search, show and copy, and add, edit and rm where an admin allows offline edits)`;
      }
      return fail(e.code, message, e.exitCode);
    }
    const message = e instanceof Error ? e.message : String(e);
    return fail('internal', message, 1);
  } finally {
    await cli.close();
  }
}
