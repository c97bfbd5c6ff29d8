// Builds dist/ from src/ when a source file is newer than the last build (or with --force).
//
// The build is an esbuild bundle: the command, the two credential worker threads, and the chunks
// they share (each CLI command's code stays a chunk of its own, loaded on use). Starting from a
// few large files instead of some 1,500 small modules is most of what makes `npm start` quick.
// Types are checked by `npm run typecheck`, not here. Everything sits flat in dist/, because code
// finds its neighbours relative to its own file: the worker threads (`./signing-worker.js`) and
// package.json (`../package.json`).
import { existsSync, readdirSync, rmSync, statSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = join(dirname(fileURLToPath(import.meta.url)), '..');
const dist = join(root, 'dist');
const stamp = join(dist, '.build-stamp');

/**
 * Packages loaded from node_modules at run time rather than bundled: those that read files beside
 * their own code (PGlite's WebAssembly and data, the Swagger UI assets, pino's transport workers),
 * and those imported only on first use (jsdom; ioredis and nodemailer, when configured). Bundled,
 * a package imported on first use becomes a chunk of its own, whose named exports esbuild guesses
 * from the CommonJS code: for ioredis it finds none, and `(await import('ioredis')).Redis` fails.
 */
const external = ['@electric-sql/pglite', '@fastify/swagger-ui', 'pino', 'thread-stream', 'jsdom', 'ioredis', 'nodemailer'];

const entryPoints = {
  main: 'src/main.ts',
  'signing-worker': 'src/credentials/signing-worker.ts',
  'verification-worker': 'src/credentials/verification-worker.ts',
};

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
  const inputs = ['package.json', 'package-lock.json', 'scripts/build.mjs'].map((f) => statSync(join(root, f)).mtimeMs);
  return Math.max(newestSourceTime(join(root, 'src')), ...inputs) > built;
}

async function loadEsbuild() {
  try {
    return await import(createRequire(import.meta.url).resolve('esbuild'));
  } catch {
    console.error('laurel: dist/ is missing or out of date and the build tool (esbuild) is not installed; run `npm ci` first.');
    process.exit(2);
  }
}

export async function ensureBuilt({ force = false } = {}) {
  if (!force && !isStale()) return;
  const esbuild = await loadEsbuild();
  process.stderr.write('laurel: building…\n');
  rmSync(dist, { recursive: true, force: true });
  await esbuild.build({
    absWorkingDir: root,
    entryPoints,
    outdir: dist,
    entryNames: '[name]',
    chunkNames: '[name]-[hash]',
    bundle: true,
    splitting: true,
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external,
    // Bundled CommonJS packages call require(); an ES module has none of its own.
    banner: { js: "import { createRequire as laurelCreateRequire } from 'node:module'; const require = laurelCreateRequire(import.meta.url);" },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
  writeFileSync(stamp, new Date().toISOString());
}

if (process.argv[1] === fileURLToPath(import.meta.url)) {
  await ensureBuilt({ force: process.argv.includes('--force') });
}
