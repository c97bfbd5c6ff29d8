#!/usr/bin/env node
// Entry point of the `laurel` command: compiles the TypeScript sources when dist/ is missing or
// older than src/, then hands over to the CLI.
import { ensureBuilt } from '../scripts/build.mjs';

await ensureBuilt();
const { main } = await import('../dist/main.js');
await main(process.argv);
