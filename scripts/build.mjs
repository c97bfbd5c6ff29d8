// Builds dist/ from src/ with tsc, but only when a source file is newer than the last build
// (or with --force). Kept dependency-free so `npm start` stays fast when nothing changed.
import { execFileSync } from 'node:child_process';
import { cpSync, existsSync, readdirSync, statSync, writeFileSync, rmSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const stamp = join(root, 'dist', '.build-stamp');

function newestSourceTime(dir) {
  let newest = 0;
  for (const entry of readdirSync(dir, { withFileTypes: true })) {
    const path = join(dir, entry.name);
    if (entry.isDirectory()) newest = Math.max(newest, newestSourceTime(path));
    else newest = Math.max(newest, statSync(path).mtimeMs);
  }
  return newest;
}

function isStale() {
  if (!existsSync(stamp)) return true;
  const built = statSync(stamp).mtimeMs;
  const inputs = ['tsconfig.json', 'tsconfig.build.json', 'package.json'].map((f) => statSync(join(root, f)).mtimeMs);
  return Math.max(newestSourceTime(join(root, 'src')), ...inputs) > built;
}

export async function ensureBuilt({ force = false } = {}) {
  if (!force && !isStale()) return;
  let tsc;
  try {
    tsc = join(dirname(createRequire(import.meta.url).resolve('typescript/package.json')), 'bin', 'tsc');
  } catch {
    console.error('laurel: dist/ is missing or out of date and TypeScript is not installed; run `npm ci` first.');
    process.exit(2);
  }
  process.stderr.write('laurel: building (tsc)…\n');
  rmSync(join(root, 'dist'), { recursive: true, force: true });
  execFileSync(process.execPath, [tsc, '-p', join(root, 'tsconfig.build.json')], { stdio: 'inherit', cwd: root });
  // Data files that live beside the code (schemas, JSON-LD contexts) ship beside the compiled code.
  cpSync(join(root, 'src'), join(root, 'dist'), { recursive: true, filter: (source) => statSync(source).isDirectory() || !source.endsWith('.ts') });
  writeFileSync(stamp, new Date().toISOString());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await ensureBuilt({ force: process.argv.includes('--force') });
}
