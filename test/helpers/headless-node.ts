import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export const repoRoot = join(import.meta.dirname, '..', '..');

export type RunningNode = {
  process: ChildProcess;
  consoleUrl: string;
  base: string;
  token: string;
  stdout: () => string;
  stderr: () => string;
  /** SIGTERM, then the exit code (or the signal's name, if it ended another way). */
  stop(): Promise<number | string | null>;
};

/**
 * A fresh data folder and a passphrase, so the node never looks at the operator's own; its IP mesh on
 * loopback on a free port without mDNS, so nodes never clash over port 7777 nor meet on the LAN.
 */
export const isolatedNodeEnv = () => ({
  PAKIT_DATA_DIR: mkdtempSync(join(tmpdir(), 'pakit-headless-')),
  PAKIT_KEY_PASSPHRASE: 'test passphrase 1234',
  MESH_LISTEN: '127.0.0.1:0',
  MESH_MDNS: 'false',
  MESH_BOOTSTRAP: '',
});

/** Spawns the real headless node CLI (the same `node electron/headless/main.ts` as `npm run node`), collecting its output. */
function spawnCli(args: string[], env: Record<string, string>) {
  const child = spawn(process.execPath, [join(repoRoot, 'electron/headless/main.ts'), ...args], {
    cwd: repoRoot,
    env: { ...process.env, ...isolatedNodeEnv(), ...env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const output = { stdout: '', stderr: '' };
  child.stdout.on('data', (chunk: Buffer) => (output.stdout += chunk.toString()));
  child.stderr.on('data', (chunk: Buffer) => (output.stderr += chunk.toString()));
  return { child, output };
}

/** Starts the headless node and waits for its banner. */
export async function startHeadlessNode(args: string[] = ['--api', '127.0.0.1:0'], env: Record<string, string> = {}): Promise<RunningNode> {
  const { child, output } = spawnCli(args, env);
  const consoleUrl = await new Promise<string>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`headless node did not start:\n${output.stdout}\n${output.stderr}`)), 15_000);
    const check = () => {
      // The banner ends with the network line: wait for all of it.
      const match = /console:\s+(\S+)[\s\S]*network:.*\n/.exec(output.stdout);
      if (match?.[1]) {
        clearTimeout(timer);
        resolve(match[1]);
      }
    };
    child.stdout.on('data', check);
    child.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`headless node exited with ${code}:\n${output.stdout}\n${output.stderr}`));
    });
  });
  const url = new URL(consoleUrl);
  return {
    process: child,
    consoleUrl,
    base: `${url.protocol}//${url.host}`,
    token: new URLSearchParams(url.hash.slice(1)).get('token') ?? '',
    stdout: () => output.stdout,
    stderr: () => output.stderr,
    stop: () =>
      new Promise((resolve) => {
        if (child.exitCode !== null || child.signalCode !== null) return resolve(child.exitCode ?? `${child.signalCode}\n${output.stderr}`);
        child.once('exit', (code, signal) => resolve(code ?? `${signal}\n${output.stderr}`));
        child.kill('SIGTERM');
      }),
  };
}

/** Runs the CLI to completion (for start-up failures), returning its exit code and output. */
export function runHeadlessNode(args: string[], env: Record<string, string> = {}): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve) => {
    const { child, output } = spawnCli(args, env);
    const timer = setTimeout(() => child.kill('SIGKILL'), 15_000);
    child.once('exit', (code) => {
      clearTimeout(timer);
      resolve({ code, ...output });
    });
  });
}

export type ScriptRun = { code: number | null; stdout: string; stderr: string };

/** Runs a script of the repo (`cli/pakit.ts`, `examples/…`) as its own process to the end, with only PATH and `env`. */
export function runScript(path: string, args: string[], env: Record<string, string> = {}): Promise<ScriptRun> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, [join(repoRoot, path), ...args], { env: { PATH: process.env.PATH ?? '', ...env }, stdio: ['ignore', 'pipe', 'pipe'] });
    let stdout = '';
    let stderr = '';
    child.stdout.on('data', (chunk: Buffer) => (stdout += chunk.toString()));
    child.stderr.on('data', (chunk: Buffer) => (stderr += chunk.toString()));
    child.on('close', (code) => resolve({ code, stdout, stderr }));
  });
}
