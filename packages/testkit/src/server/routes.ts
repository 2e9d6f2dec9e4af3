/** The routes a fastify app has registered, as "METHOD /path" (fastify syntax), HEAD left out. */
import type { FastifyInstance } from 'fastify';

export function registeredRoutes(app: FastifyInstance): Set<string> {
  // printRoutes draws a tree: each level indents by 4 characters and carries its methods.
  const registered = new Set<string>();
  const stack: string[] = [];
  for (const line of app.printRoutes({ commonPrefix: false }).split('\n')) {
    const m = /^((?:│ {3}| {4})*)[├└]── (\S+)(?: \(([^)]*)\))?$/.exec(line);
    if (!m) continue;
    const depth = (m[1] ?? '').length / 4;
    const path = (depth > 0 ? (stack[depth - 1] ?? '') : '') + (m[2] ?? '');
    stack[depth] = path;
    for (const method of (m[3] ?? '').split(', ').filter((x) => x && x !== 'HEAD')) registered.add(`${method} ${path}`);
  }
  return registered;
}
