/**
 * A record's two plaintext parts as a flat map of named fields, for the three-way merge of offline
 * edits (domain `mergeThreeWay`): `name`, `username`, `url`, `notes`, `tags` (JSON), `field:K`,
 * `password`, `secret:K`. Lives only in memory while a push merges.
 */
import type { FlatRecord } from '@safehold/domain';
import type { HeaderPlain, SecretPlain } from '@safehold/protocol';

export function flatten(h: HeaderPlain, s: SecretPlain): Record<string, string> {
  const out: Record<string, string> = { name: h.name, username: h.username, url: h.url, notes: h.notes, tags: JSON.stringify([...h.tags].sort()), password: s.password };
  for (const f of h.fields) out[`field:${f.name}`] = f.value;
  for (const f of s.fields) out[`secret:${f.name}`] = f.value;
  return out;
}

export function unflatten(f: FlatRecord): { header: HeaderPlain; secret: SecretPlain } {
  let tags: string[] = [];
  try {
    const t = JSON.parse(f.tags ?? '[]') as unknown;
    if (Array.isArray(t)) tags = t.filter((x): x is string => typeof x === 'string');
  } catch {
    tags = [];
  }
  const fields: Array<{ name: string; value: string }> = [];
  const secrets: Array<{ name: string; value: string }> = [];
  for (const [k, v] of Object.entries(f)) {
    if (k.startsWith('field:')) fields.push({ name: k.slice(6), value: v });
    else if (k.startsWith('secret:')) secrets.push({ name: k.slice(7), value: v });
  }
  return {
    header: { name: f.name ?? '', username: f.username ?? '', url: f.url ?? '', notes: f.notes ?? '', tags, fields, secretFieldNames: secrets.map((x) => x.name) },
    secret: { password: f.password ?? '', fields: secrets },
  };
}

/** The user-facing name of a flat key (`password`, `username`, or a custom field's own name). */
export function fieldLabel(key: string): string {
  if (key.startsWith('field:')) return key.slice(6);
  if (key.startsWith('secret:')) return key.slice(7);
  return key;
}
