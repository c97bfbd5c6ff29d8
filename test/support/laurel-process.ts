import { spawn, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { createInterface } from 'node:readline';

const laurelBin = join(import.meta.dirname, '..', '..', 'bin', 'laurel.js');

/** The real `laurel` command running as a child process. */
export interface LaurelProcess {
  child: ChildProcess;
  /** Log lines (stdout, pino JSON) and stderr lines seen so far, for assertions and diagnostics. */
  lines: string[];
  /** Resolves with the exit code (null when killed by a signal). */
  exited: Promise<number | null>;
  /** Sends `signal` and waits for the exit. */
  stop(signal?: NodeJS.Signals): Promise<number | null>;
}

export interface StartOptions {
  /** Options for node itself, e.g. `--cpu-prof` (not allowed in NODE_OPTIONS). */
  nodeOptions?: string[];
  timeoutMs?: number;
}

/**
 * Starts `laurel <command>` (bin/laurel.js, the built dist/) with `env` on top of this process's
 * environment and resolves once a stderr line matches `ready` (e.g. "laurel worker … running").
 */
export async function startLaurel(command: string, env: Record<string, string>, ready: RegExp, { nodeOptions = [], timeoutMs = 60_000 }: StartOptions = {}): Promise<LaurelProcess> {
  const child = spawn(process.execPath, [...nodeOptions, laurelBin, command], { env: { ...process.env, ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
  const lines: string[] = [];
  createInterface({ input: child.stdout as NodeJS.ReadableStream }).on('line', (line) => lines.push(line));
  const stderr = createInterface({ input: child.stderr as NodeJS.ReadableStream });
  const exited = once(child, 'exit').then(([code]) => code as number | null);
  const started = new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`laurel ${command} was not ready within ${timeoutMs} ms:\n${lines.join('\n')}`)), timeoutMs);
    stderr.on('line', (line) => {
      lines.push(line);
      if (ready.test(line)) {
        clearTimeout(timer);
        resolve();
      }
    });
    void exited.then((code) => {
      clearTimeout(timer);
      reject(new Error(`laurel ${command} exited (${code}) before it was ready:\n${lines.join('\n')}`));
    });
  });
  await started;
  return {
    child,
    lines,
    exited,
    async stop(signal = 'SIGTERM') {
      if (child.exitCode === null && child.signalCode === null) child.kill(signal);
      return exited;
    },
  };
}

export const workerReady = /^laurel worker \S+ running/;
