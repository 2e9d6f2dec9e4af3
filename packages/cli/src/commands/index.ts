/**
 * The command registry: each module adds its commands to the program. Modules import the SDK
 * lazily inside their actions, so `--help` and `--version` stay fast.
 * (H4 adds its offline and agent registrars here with one line each.)
 */
import type { Command } from 'commander';
import type { Cli } from '../runtime.js';
import { registerSessionCommands } from './session.js';
import { registerRecordCommands } from './records.js';
import { registerSharingCommands } from './sharing.js';
import { registerRoleCommands } from './roles.js';
import { registerSealCommands } from './seals.js';
import { registerOfflineCommands } from './offline.js';
import { registerAgentCommands } from './agent.js';
import { registerUiCommands } from './ui.js';
import { registerTransferCommands } from './transfer.js';
import { registerConflictCommands } from './conflicts.js';

/** Adds a group of commands to the program. */
export type Registrar = (program: Command, cli: Cli) => void;

export const registrars: Registrar[] = [
  registerSessionCommands,
  registerRecordCommands,
  registerSharingCommands,
  registerRoleCommands,
  registerSealCommands,
  registerOfflineCommands,
  registerAgentCommands,
  registerUiCommands,
  registerTransferCommands,
  registerConflictCommands,
];
