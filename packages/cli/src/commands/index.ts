/**
 * The command table: each group of commands, the top-level names it adds, and how to load its module.
 * A run loads only the group of the command it invokes (docs/adr/0143-offline-sync-path.md); the whole
 * table is loaded for the top-level help, `help`, no command, or a name that is not in it. Modules import
 * the SDK lazily inside their actions, so `--help` and `--version` stay fast. The order is the order of
 * the top-level help.
 */
import type { Command } from 'commander';
import type { Cli } from '../runtime.js';

/** Adds a group of commands to the program. */
export type Registrar = (program: Command, cli: Cli) => void;

/** One module of commands: the top-level command names it registers, and its loader. */
export interface CommandGroup {
  names: readonly string[];
  load(): Promise<Registrar>;
}

export const COMMAND_GROUPS: readonly CommandGroup[] = [
  { names: ['register', 'login', 'unlock', 'lock', 'logout', 'passwd', 'use'], load: async () => (await import('./session.js')).registerSessionCommands },
  { names: ['add', 'edit', 'rm', 'list', 'search', 'show', 'copy', 'history', 'mask', 'unmask'], load: async () => (await import('./records.js')).registerRecordCommands },
  { names: ['share', 'unshare', 'rights', 'trust'], load: async () => (await import('./sharing.js')).registerSharingCommands },
  { names: ['role'], load: async () => (await import('./roles.js')).registerRoleCommands },
  { names: ['seal', 'unseal', 'release'], load: async () => (await import('./seals.js')).registerSealCommands },
  { names: ['offline'], load: async () => (await import('./offline.js')).registerOfflineCommands },
  { names: ['agent'], load: async () => (await import('./agent.js')).registerAgentCommands },
  { names: ['ui'], load: async () => (await import('./ui.js')).registerUiCommands },
  { names: ['export', 'import'], load: async () => (await import('./transfer.js')).registerTransferCommands },
  { names: ['conflicts'], load: async () => (await import('./conflicts.js')).registerConflictCommands },
];
