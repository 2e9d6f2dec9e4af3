import { test } from 'node:test';
import assert from 'node:assert/strict';
import { SafeholdEvents } from './events.js';
import { attachAddons, registerAddon, type ClientAddon } from './addons.js';

test('an add-on is attached once per events object and the lifecycle event waits for its work', async () => {
  const seen: string[] = [];
  const addon: ClientAddon = {
    name: 'spy',
    subscribe(events) {
      events.on('saved', (e) =>
        e.waitFor(
          (async () => {
            await new Promise((r) => setImmediate(r));
            seen.push(`saved:${(e.context as { id: string }).id}`);
          })(),
        ),
      );
      events.on('loggedIn', (e) => seen.push(`loggedIn:${(e.context as { id: string }).id}`));
    },
  };
  registerAddon(addon);
  registerAddon(addon);
  const events = new SafeholdEvents();
  const a = { id: 'a', events };
  const b = { id: 'b', events };
  attachAddons(a);
  attachAddons(b);
  await events.lifecycle('saved', a);
  assert.deepEqual(seen, ['saved:a'], 'one listener per events object, done before lifecycle() returns');
  await events.lifecycle('loggedIn', b);
  assert.deepEqual(seen, ['saved:a', 'loggedIn:b']);
  assert.equal(events.listenerCount('saved'), 1, 'the spy once (the core alone loads no add-on)');
});

test('loading the SDK index registers the Offline Add-on: it subscribes to saved and loggedIn', async () => {
  await import('./index.js');
  const { offlineAddon } = await import('./offline/index.js');
  const events = new SafeholdEvents();
  attachAddons({ events });
  assert.equal(offlineAddon.name, 'offline');
  assert.ok(events.listenerCount('saved') >= 1);
  assert.ok(events.listenerCount('loggedIn') >= 1);
});
