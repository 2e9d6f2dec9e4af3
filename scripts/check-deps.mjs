#!/usr/bin/env node
// Part of `npm run lint`: every package under packages/ declares in its package.json each package it
// imports, statically or with import(): production files in "dependencies", specs (*.spec.ts) in
// "dependencies" or "devDependencies". Workspace packages (@safehold/*) included; dependency-cruiser
// (.dependency-cruiser.cjs) checks the arrows between them.
import { readdirSync, readFileSync, statSync, existsSync } from 'node:fs';
import { builtinModules } from 'node:module';
import { join } from 'node:path';

const builtins = new Set(builtinModules);
const SPECIFIER = /(?:\bfrom\s*|\bimport\s*\(\s*|^\s*import\s+)['"]([^'"\n]+)['"]/gm;

function tsFiles(dir, out = []) {
  for (const name of readdirSync(dir)) {
    if (name === 'node_modules' || name === 'dist') continue;
    const p = join(dir, name);
    if (statSync(p).isDirectory()) tsFiles(p, out);
    else if (/\.(ts|tsx|mts)$/.test(name) && !name.endsWith('.d.ts')) out.push(p);
  }
  return out;
}

function packageOf(spec) {
  if (spec.startsWith('.') || spec.startsWith('/') || spec.startsWith('node:') || builtins.has(spec.split('/')[0])) return null;
  const parts = spec.split('/');
  return spec.startsWith('@') ? parts.slice(0, 2).join('/') : parts[0];
}

const problems = [];
for (const dir of readdirSync('packages')) {
  const pkgFile = join('packages', dir, 'package.json');
  if (!existsSync(pkgFile) || !existsSync(join('packages', dir, 'src'))) continue;
  const pkg = JSON.parse(readFileSync(pkgFile, 'utf8'));
  const prod = new Set([...Object.keys(pkg.dependencies ?? {}), ...Object.keys(pkg.peerDependencies ?? {})]);
  const dev = new Set(Object.keys(pkg.devDependencies ?? {}));
  for (const file of tsFiles(join('packages', dir, 'src'))) {
    const isSpec = /\.spec\.tsx?$/.test(file);
    for (const m of readFileSync(file, 'utf8').matchAll(SPECIFIER)) {
      const name = packageOf(m[1]);
      if (!name || name === pkg.name) continue;
      if (prod.has(name) || (isSpec && dev.has(name))) continue;
      const where = dev.has(name) ? 'a devDependency, but production code imports it' : 'not declared';
      problems.push(`${file}: imports ${name}, ${where} in ${pkgFile}`);
    }
  }
}
if (problems.length) {
  console.error([...new Set(problems)].join('\n'));
  console.error(`\n${problems.length} undeclared import(s)`);
  process.exit(1);
}
console.log('check-deps: every package declares what it imports');
