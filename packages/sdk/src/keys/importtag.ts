/** The keyed tag of an imported record's source id (re-import finds what it added before; the server sees only tags). */
import { createHmac } from 'node:crypto';
import { hkdfSha256, utf8, zero } from '@safehold/crypto';

/** A tagger keyed from the user key with `info`; call `done()` to zero its key. */
export function sourceTagger(userKey: Uint8Array, info: string): { tag(sourceId: string): string; done(): void } {
  const key = hkdfSha256(userKey, new Uint8Array(0), utf8(info), 32);
  return {
    tag: (sourceId) => createHmac('sha256', key).update(sourceId, 'utf8').digest('base64url'),
    done: () => zero(key),
  };
}
