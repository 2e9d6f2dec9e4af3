/**
 * @node-rs/argon2, loaded at the first key derivation rather than with the package: its native addon costs
 * about 45 ms of CPU to load, which every process and thread that only decrypts would pay for nothing (the
 * offline sync's header cache thread, CLI commands that bring an unlocked key). ADR 0144.
 */
import type * as Argon2 from '@node-rs/argon2';

let loading: Promise<typeof Argon2.hashRaw> | null = null;

/** The addon's hashRaw, loaded once. */
export function argon2HashRaw(): Promise<typeof Argon2.hashRaw> {
  loading ??= import('@node-rs/argon2').then((m) => (m.hashRaw ?? (m as unknown as { default: typeof Argon2 }).default.hashRaw));
  return loading;
}
