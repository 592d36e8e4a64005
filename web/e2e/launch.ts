/**
 * Starts one `parlor` server for the e2e tests: a free loopback port, a fresh data directory,
 * the client built with its test hooks (`dist-e2e/`, `npm run build:e2e`), rate limits off. Used by global-setup for the suite's server, and by
 * tests that need a server configured otherwise (e.g. a smaller call capacity).
 */
import { spawn } from 'node:child_process';
import { createWriteStream, existsSync, mkdirSync, mkdtempSync, openSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const HOST = '127.0.0.1';
const STARTUP_DEADLINE_MS = 20_000;

/** Asks the kernel for a free loopback port, then releases it for the server to take. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const probe = createServer();
    probe.once('error', reject);
    probe.listen(0, HOST, () => {
      const address = probe.address();
      const port = typeof address === 'object' && address !== null ? address.port : 0;
      probe.close(() => (port > 0 ? resolve(port) : reject(new Error('no port from the kernel'))));
    });
  });
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface LaunchedServer {
  url: string;
  pid: number;
  dataDir: string;
  /** The server's output (JSON lines), as it is written: test-results/parlor-<port>.log. */
  logFile: string;
  /** SIGTERM, SIGKILL after 5 s, then the data directory goes (unless the caller gave it). */
  stop(): Promise<void>;
}

export interface LaunchOptions {
  /**
   * A data directory the caller made and removes itself, e.g. one that two instances share
   * (files uploaded through one are served by the other). Default: a fresh one per server.
   */
  dataDir?: string;
}

/** Whether a process with this pid still runs. */
export function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

/** Stops a server started by launchParlor (also from another process, by pid). */
export async function stopParlor(pid: number, dataDir: string | undefined): Promise<void> {
  if (Number.isInteger(pid) && pid > 0 && alive(pid)) {
    process.kill(pid, 'SIGTERM');
    const deadline = Date.now() + 5_000;
    while (alive(pid) && Date.now() < deadline) await sleep(50);
    if (alive(pid)) process.kill(pid, 'SIGKILL');
  }
  if (dataDir) rmSync(dataDir, { recursive: true, force: true });
}

export async function launchParlor(extraArgs: string[] = [], options: LaunchOptions = {}): Promise<LaunchedServer> {
  const binary = path.resolve(webDir, process.env.PARLOR_BIN ?? '../server/build/parlor');
  // The client built with its test hooks (`npm run build:e2e`): a plain `dist/` lacks them.
  const staticDir = path.join(webDir, 'dist-e2e');
  if (!existsSync(binary)) {
    throw new Error(`Parlor server binary not found at ${binary}. Build the server, or set PARLOR_BIN.`);
  }
  if (!existsSync(path.join(staticDir, 'index.html'))) {
    throw new Error(`${staticDir}/index.html is missing. Run \`npm run build:e2e\` in web/ first.`);
  }

  const port = await freePort();
  const ownDataDir = options.dataDir === undefined;
  const dataDir = options.dataDir ?? mkdtempSync(path.join(tmpdir(), 'parlor-e2e-'));
  const args = [
    '--host', HOST,
    '--port', String(port),
    '--data-dir', dataDir,
    '--static-dir', staticDir,
    '--room-create-per-minute', '0',
    '--join-per-minute', '0',
    ...extraArgs,
  ];
  const server = spawn(binary, args, { stdio: ['ignore', 'pipe', 'pipe'], detached: false });
  let output = '';
  const keep = (chunk: Buffer) => {
    output = (output + chunk.toString()).slice(-20_000);
  };
  server.stdout?.on('data', keep);
  server.stderr?.on('data', keep);
  let exit: string | null = null;
  server.once('exit', (code, signal) => {
    exit = `exited with ${signal ?? `code ${code}`}`;
  });
  server.once('error', (error) => {
    exit = `failed to start: ${error.message}`;
  });

  const url = `http://${HOST}:${port}`;
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  let lastProblem = 'no answer yet';
  const giveUp = (message: string): never => {
    server.kill('SIGKILL');
    if (ownDataDir) rmSync(dataDir, { recursive: true, force: true });
    throw new Error(message);
  };
  for (;;) {
    if (exit !== null) {
      giveUp(`Parlor server ${exit} before it became healthy.\n$ ${binary} ${args.join(' ')}\n${output}`);
    }
    try {
      const response = await fetch(`${url}/api/health`, { signal: AbortSignal.timeout(2_000) });
      if (response.status === 200) break;
      lastProblem = `GET /api/health answered ${response.status}: ${await response.text()}`;
    } catch (error) {
      lastProblem = String(error);
    }
    if (Date.now() > deadline) {
      giveUp(
        `Parlor server did not become healthy within ${STARTUP_DEADLINE_MS / 1000} s (${lastProblem}).\n` +
          `$ ${binary} ${args.join(' ')}\n${output}`,
      );
    }
    await sleep(100);
  }

  // The server must not keep the runner alive. Its output goes to test-results/, which
  // Playwright empties at the start of each run: after a failure, the server's side of it
  // (closed sockets, refused frames) is there to read.
  server.stdout?.removeListener('data', keep);
  server.stderr?.removeListener('data', keep);
  const logDir = path.join(webDir, 'test-results');
  mkdirSync(logDir, { recursive: true });
  const logFile = path.join(logDir, `parlor-${port}.log`);
  // Opened before returning (a stream opens its file later), so that a test may read the
  // log at once.
  const log = createWriteStream(logFile, { fd: openSync(logFile, 'w') });
  log.write(output);
  server.stdout?.pipe(log, { end: false });
  server.stderr?.pipe(log, { end: false });
  server.unref();

  const pid = server.pid!;
  return { url, pid, dataDir, logFile, stop: () => stopParlor(pid, ownDataDir ? dataDir : undefined) };
}
