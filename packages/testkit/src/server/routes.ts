/** The routes an app registers, as `METHOD /template` pairs (for specs that must cover every route). */
import type { FastifyInstance } from 'fastify';

/** Every registered route but HEAD, from fastify's printRoutes tree (each level indents by 4 characters and carries its methods). */
export function registeredRoutes(app: FastifyInstance): Array<{ method: string; template: string }> {
  const out: Array<{ method: string; template: string }> = [];
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    const path = (depth > 0 ? (stack[depth - 1] ?? '') : '') + (m[2] ?? '');
    stack[depth] = path;
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) out.push({ method, template: path });
  }
  return out;
}
