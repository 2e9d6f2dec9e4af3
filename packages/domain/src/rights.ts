/**
 * Record rights as stored and resolved: ONE parser of the legacy comma list, and the bit mask the server
 * stores (`grants.rights_mask`) so that "holds export" is an indexed bit test rather than a LIKE on text.
 * Bit i is RIGHTS[i]; unknown bits and unknown words are dropped (never widen rights on bad data).
 */
import { RIGHTS } from '@safehold/protocol';
import type { Right } from '@safehold/protocol/api';

/** The bit of each right: read 1, write 2, delete 4, authorize 8, export 16 (RIGHTS order, never renumbered). */
export const RIGHT_BIT: Readonly<Record<Right, number>> = Object.fromEntries(RIGHTS.map((r, i) => [r, 1 << i])) as Record<Right, number>;

/** Every right (what a record's creator holds). */
export const ALL_RIGHTS_MASK: number = RIGHTS.reduce((m, r) => m | RIGHT_BIT[r], 0);

/** The mask of a list of rights. */
export function rightsMask(rights: Iterable<Right>): number {
  let m = 0;
  for (const r of rights) m |= RIGHT_BIT[r];
  return m;
}

/** The rights of a mask, in RIGHTS order (bits beyond the known rights are ignored). */
export function rightsOfMask(mask: number): Right[] {
  return RIGHTS.filter((r) => (mask & RIGHT_BIT[r]) !== 0);
}

/** True when `mask` holds `right`. */
export function maskHas(mask: number, right: Right): boolean {
  return (mask & RIGHT_BIT[right]) !== 0;
}

/**
 * THE parser of a comma list of rights (the stored form before 0006_arch, and the CLI's): words are
 * trimmed, unknown words ignored (a newer server's right is not ours to grant), result in RIGHTS order.
 */
export function parseRightsList(s: string): Right[] {
  const words = new Set(s.split(',').map((w) => w.trim()));
  return RIGHTS.filter((r) => words.has(r));
}

/** What decides a user's rights on one record: creator, their direct grant, the grants of their roles. */
export interface RightsFacts {
  isCreator: boolean;
  direct: readonly Right[] | null;
  viaRoles: ReadonlyArray<readonly Right[]>;
}

/** The effective mask: the creator holds all; otherwise the union (OR) of the direct and role grant masks. */
export function unionMask(isCreator: boolean, grantMasks: Iterable<number>): number {
  if (isCreator) return ALL_RIGHTS_MASK;
  let m = 0;
  for (const g of grantMasks) m |= g;
  return m & ALL_RIGHTS_MASK;
}

/** The user's effective rights (in RIGHTS order): unionMask over lists. */
export function unionRights(f: RightsFacts): Right[] {
  const grants = [...(f.direct ? [f.direct] : []), ...f.viaRoles].map(rightsMask);
  return rightsOfMask(unionMask(f.isCreator, grants));
}
