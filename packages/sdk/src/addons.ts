/**
 * Add-ons of the SDK core. The core never imports an add-on: an add-on registers itself here (the SDK's
 * index loads the Offline Add-on, which does) and is attached to every context the core builds, where it
 * subscribes to the context's lifecycle events (`saved`, `loggedIn`; see events.ts).
 */
import type { ClientContext } from './context.js';
import type { SafeholdEvents } from './events.js';

export interface ClientAddon {
  /** A name for messages. */
  name: string;
  /** Subscribes to `events`; called once per events object (contexts may share one). */
  subscribe(events: SafeholdEvents): void;
}

const addons: ClientAddon[] = [];
const attached = new WeakMap<SafeholdEvents, Set<ClientAddon>>();

/** Registers an add-on for every context built from now on (a second registration of the same add-on is ignored). */
export function registerAddon(addon: ClientAddon): void {
  if (!addons.includes(addon)) addons.push(addon);
}

/** Attaches the registered add-ons to a new context's events (once per events object and add-on). */
export function attachAddons(ctx: Pick<ClientContext, 'events'>): void {
  let done = attached.get(ctx.events);
  if (!done) {
    done = new Set();
    attached.set(ctx.events, done);
  }
  for (const a of addons) {
    if (done.has(a)) continue;
    done.add(a);
    a.subscribe(ctx.events);
  }
}
