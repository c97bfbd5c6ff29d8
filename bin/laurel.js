#!/usr/bin/env node
// Entry point of the `laurel` command: builds dist/ from the TypeScript sources when it is missing or
// older than src/, then hands over to the CLI.
import { ensureBuilt } from '../scripts/build.mjs';

await ensureBuilt();
const { main } = await import('../dist/main.js');
await main(process.argv);
