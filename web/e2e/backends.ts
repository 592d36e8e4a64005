/**
 * What several Parlor instances share, started for one test inside the test's loopback-only
 * namespace (scripts/e2e.sh), each on a free loopback port, and thrown away afterwards:
 *
 * - PostgreSQL, through scripts/test-postgres.sh (initdb in a fresh directory, durability
 *   off; as root the cluster belongs to Debian's `postgres` user);
 * - Redis, `/usr/bin/redis-server` with nothing durable (`--save ''`, no append-only file),
 *   as server/tests/unit/support/redis_server.hpp starts it.
 */
import { execFile, execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { freePort } from './launch';
import { startService, tcpAccepts } from './service';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const POSTGRES_SCRIPT = path.resolve(webDir, '../scripts/test-postgres.sh');
const HOST = '127.0.0.1';
const STARTUP_DEADLINE_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface Backend {
  /** `postgresql://…` or `redis://…`, for --database-url or --redis-url. */
  url: string;
  stop(): Promise<void>;
}

/** A fresh PostgreSQL cluster; its `postgres` database is the instances' one. */
export async function startPostgres(): Promise<Backend> {
  const state = mkdtempSync(path.join(tmpdir(), 'parlor-e2e-postgres-'));
  const stopNow = () => {
    try {
      execFileSync(POSTGRES_SCRIPT, ['stop', state], { stdio: 'ignore' });
    } finally {
      rmSync(state, { recursive: true, force: true });
    }
  };
  process.once('exit', stopNow);
  try {
    await promisify(execFile)(POSTGRES_SCRIPT, ['start', state]);
  } catch (error) {
    process.removeListener('exit', stopNow);
    stopNow();
    const failed = error as { stderr?: string; message: string };
    throw new Error(`scripts/test-postgres.sh start failed: ${failed.stderr || failed.message}`);
  }
  return {
    url: readFileSync(path.join(state, 'url'), 'utf8').trim(),
    async stop() {
      process.removeListener('exit', stopNow);
      await promisify(execFile)(POSTGRES_SCRIPT, ['stop', state]);
      rmSync(state, { recursive: true, force: true });
    },
  };
}

/** A redis-server of the test's own. */
export async function startRedis(): Promise<Backend> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parlor-e2e-redis-'));
  const port = await freePort();
  const args = ['--port', String(port), '--bind', HOST, '--save', '', '--appendonly', 'no', '--dir', dir];
  const redis = startService('/usr/bin/redis-server', args, dir);
  const stop = redis.stop;

  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  while (!(await tcpAccepts(HOST, port, 500))) {
    if (redis.exit() !== null || Date.now() > deadline) {
      await stop();
      throw new Error(
        `redis-server ${redis.exit() ?? 'did not accept connections'} on ${HOST}:${port}.\n${redis.output()}`,
      );
    }
    await sleep(20);
  }
  return { url: `redis://${HOST}:${port}`, stop };
}
