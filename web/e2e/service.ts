/**
 * A program an e2e test starts for itself (redis-server, nginx, coturn) and owns: its output
 * kept for failure messages, why it ended, and a stop() that asks with SIGTERM, insists with
 * SIGKILL after 5 s, and removes its directory. A runner that exits without stop() (a test
 * that failed first) still kills it and removes the directory.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { rmSync, type WriteStream } from 'node:fs';
import { createConnection } from 'node:net';
import { alive } from './launch';

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface ServiceOptions {
  cwd?: string;
  /** Keep the whole output (a test reads it) rather than its last 20,000 characters. */
  keepAll?: boolean;
  /** Also write the output here. */
  log?: WriteStream;
}

export interface Service {
  child: ChildProcess;
  output(): string;
  /** Why it ended ("exited with …", "failed to start: …"); null while it runs. */
  exit(): string | null;
  stop(): Promise<void>;
}

/** Starts `command` with `args`; `dir` is its own directory, removed when it stops. */
export function startService(command: string, args: string[], dir: string, options: ServiceOptions = {}): Service {
  const child = spawn(command, args, { cwd: options.cwd, stdio: ['ignore', 'pipe', 'pipe'] });
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk.toString();
    if (!options.keepAll) output = output.slice(-20_000);
    options.log?.write(chunk);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  let exit: string | null = null;
  const exited = new Promise<void>((resolve) => {
    child.once('exit', (code, signal) => {
      exit = `exited with ${signal ?? `code ${code}`}`;
      resolve();
    });
    child.once('error', (error) => {
      exit = `failed to start: ${error.message}`;
      resolve();
    });
  });

  const killOnExit = () => {
    child.kill('SIGKILL');
    rmSync(dir, { recursive: true, force: true });
  };
  process.once('exit', killOnExit);

  const stop = async () => {
    process.removeListener('exit', killOnExit);
    const pid = child.pid;
    if (exit === null && pid !== undefined && alive(pid)) {
      child.kill('SIGTERM');
      await Promise.race([exited, sleep(5_000)]);
      if (exit === null) {
        child.kill('SIGKILL');
        await exited;
      }
    }
    options.log?.end();
    rmSync(dir, { recursive: true, force: true });
  };

  return { child, output: () => output, exit: () => exit, stop };
}

/** Whether something accepts TCP connections on host:port (within `timeoutMs`). */
export function tcpAccepts(host: string, port: number, timeoutMs: number): Promise<boolean> {
  return new Promise((resolve) => {
    const socket = createConnection({ host, port, timeout: timeoutMs });
    socket.once('connect', () => {
      socket.destroy();
      resolve(true);
    });
    socket.once('timeout', () => {
      socket.destroy();
      resolve(false);
    });
    socket.once('error', () => resolve(false));
  });
}
