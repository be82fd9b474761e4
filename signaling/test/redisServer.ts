/**
 * A real Redis for tests, from Debian's `redis-server`: a server of its own on 127.0.0.1 at a port
 * chosen now, nothing saved to disk, its working folder temporary. `stop()` ends the process and
 * removes the folder. No system instance, no docker. Without vitest, so that benchmarks use it too
 * (redis.ts has the tests' hook).
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Redis } from 'ioredis';
import { freePort } from '@madoguchi/db/test/postgres';

export interface TestRedis {
  /** `redis://127.0.0.1:<port>` */
  url: string;
  /** Stops the server (as a crash would: no save) and deletes its folder. */
  stop(): Promise<void>;
}

function exited(child: ChildProcess): Promise<void> {
  return child.exitCode !== null || child.signalCode !== null ? Promise.resolve() : new Promise((resolve) => child.once('exit', () => resolve()));
}

export async function startTestRedis(): Promise<TestRedis> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'madoguchi-redis-'));
  const port = await freePort();
  const url = `redis://127.0.0.1:${port}`;
  let output = '';
  const child = spawn('redis-server', ['--bind', '127.0.0.1', '--port', String(port), '--dir', dir, '--save', '', '--appendonly', 'no'], {
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  child.stderr!.on('data', (chunk: Buffer) => (output += chunk.toString()));
  const stop = async () => {
    try {
      if (child.exitCode === null) child.kill('SIGKILL');
      await exited(child);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  };
  const spawned = new Promise<void>((resolve, reject) => {
    child.once('spawn', resolve);
    child.once('error', (error) => reject(new Error(`redis-server cannot start (run npm run setup): ${error.message}`)));
  });
  try {
    await spawned;
    const deadline = Date.now() + 10_000;
    for (;;) {
      const probe = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 0, retryStrategy: () => null });
      probe.on('error', () => {}); // not up yet: connect() rejects, and the loop tries again
      try {
        await probe.connect();
        if ((await probe.ping()) === 'PONG') break;
      } catch {
        if (child.exitCode !== null || Date.now() > deadline) throw new Error(`redis-server did not answer on ${url}:\n${output}`);
        await new Promise((resolve) => setTimeout(resolve, 50));
      } finally {
        probe.disconnect();
      }
    }
    return { url, stop };
  } catch (error) {
    await stop();
    throw error;
  }
}
