/** Messages between the bench (parent, which runs the server) and a client worker process. */

export interface LoginCmd {
  op: 'login';
  /** 'main': the synced client; 'editor': a second device of the same user that makes changes. */
  as: 'main' | 'editor';
  server: string;
  user: string;
  db: string;
  home: string;
  password: string;
}
/**
 * Times syncOffline (manual, may create). `peak` resets the RSS high-water mark first and reads it at the
 * end; `detail` also samples where the memory is every 20 ms (CPU beside the sync: for an untimed run).
 */
export interface SyncCmd { op: 'sync'; reps: number; peak: boolean; detail?: boolean }
/** Times a naive full re-download: every page of the changes feed from cursor 0, parsed, not applied. */
export interface FullResyncCmd { op: 'fullResync'; reps: number; limit: number }
/** Edits `count` records (the slice `round`) through HTTP as the editor device. */
export interface EditCmd { op: 'edit'; count: number; round: number }
/** Times offline unlock (password -> keys -> file -> lease check -> every header decrypted). */
export interface UnlockCmd { op: 'unlock'; reps: number; server: string; user: string; db: string; home: string; password: string }
/** Times searches over the unlocked records. */
export interface SearchCmd { op: 'search'; queries: string[]; reps: number }
/** Times one master-key derivation with the account's KDF parameters (the unlock floor). */
export interface KdfCmd { op: 'kdf'; reps: number }
/** E5: refreshes the lease with a sync, then queues `count` offline edits (untimed) on the main device. */
export interface QueueOfflineCmd { op: 'queueOffline'; count: number }
export interface ExitCmd { op: 'exit' }

export type WorkerCmd = LoginCmd | SyncCmd | FullResyncCmd | EditCmd | UnlockCmd | SearchCmd | KdfCmd | QueueOfflineCmd | ExitCmd;

export interface WorkerReply {
  ok: boolean;
  /** Timings in ms (one per repetition). */
  samples?: number[];
  /** Peak RSS in MiB over the command (VmHWM after a reset), when asked. */
  peakRssMb?: number;
  /** How the peak was measured: 'vmhwm' (kernel high-water mark) or 'sampled'. */
  peakMethod?: string;
  /** RSS just before that sync began (login's Argon2id memory and the SDK already loaded). */
  rssBeforeMb?: number;
  info?: Record<string, number | string | boolean>;
  /** Missing prerequisite (an SDK function not there yet). */
  unavailable?: string;
  error?: string;
}
