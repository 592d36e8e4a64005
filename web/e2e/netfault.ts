/**
 * Network faults for e2e tests: drop every UDP packet (WebRTC media, ICE, TURN over UDP)
 * while TCP (the server's HTTP and WebSocket, TURN over TCP) keeps working.
 *
 * The rules live in an nftables table of their own, `inet parlor_test`, in the test's
 * network namespace: scripts/e2e.sh runs the suite in `unshare --net` (as root in CI) or
 * `unshare --map-root-user --net` (a developer), where the namespace has its own firewall
 * and CAP_NET_ADMIN over it. To never touch a real machine's firewall, these functions
 * refuse to run in a namespace that has any interface but `lo`.
 *
 *     await blockUdp();
 *     try { ... } finally { await unblockUdp(); }
 *
 * Both are idempotent. If a test forgets unblockUdp, the table is deleted when the test
 * process exits (and the namespace goes with scripts/e2e.sh anyway).
 */
import { execFile, execFileSync } from 'node:child_process';
import { existsSync, readFileSync } from 'node:fs';

const TABLE = 'parlor_test';

/** `table …` then `delete table …`: deletes it whether or not it exists, in one transaction. */
const REMOVE = `table inet ${TABLE}\ndelete table inet ${TABLE}\n`;
const BLOCK_UDP =
  REMOVE +
  `table inet ${TABLE} {
  chain input {
    type filter hook input priority filter - 10; policy accept;
    meta l4proto udp counter drop
  }
  chain output {
    type filter hook output priority filter - 10; policy accept;
    meta l4proto udp counter drop
  }
}
`;

let blocked = false;

function nftBinary(): string {
  // Non-root shells often lack /usr/sbin in PATH.
  for (const candidate of ['/usr/sbin/nft', '/sbin/nft', '/usr/bin/nft']) {
    if (existsSync(candidate)) return candidate;
  }
  return 'nft';
}

/** The interfaces of this process's network namespace (/proc/self/net is per namespace). */
export function namespaceInterfaces(): string[] {
  return readFileSync('/proc/self/net/dev', 'utf8')
    .split('\n')
    .slice(2)
    .map((line) => line.split(':')[0]!.trim())
    .filter((name) => name.length > 0);
}

function assertLoopbackOnly(): void {
  const others = namespaceInterfaces().filter((name) => name !== 'lo');
  if (others.length > 0) {
    throw new Error(
      `netfault: this network namespace has interfaces besides lo (${others.join(', ')}); refusing to change ` +
        'its firewall. Run the e2e tests through scripts/e2e.sh, which gives them a loopback-only namespace.',
    );
  }
}

function nft(script: string): Promise<void> {
  return new Promise((resolve, reject) => {
    const child = execFile(nftBinary(), ['-f', '-'], (error, _stdout, stderr) => {
      if (error) reject(new Error(`nft -f - failed: ${stderr || error.message}\n${script}`));
      else resolve();
    });
    child.stdin?.end(script);
  });
}

function removeOnExit(): void {
  if (!blocked) return;
  try {
    execFileSync(nftBinary(), ['-f', '-'], { input: REMOVE, stdio: ['pipe', 'ignore', 'ignore'] });
  } catch {
    // the namespace may be gone already
  }
}

/** Drops all UDP in this namespace (both directions, every interface, i.e. lo) until unblockUdp(). */
export async function blockUdp(): Promise<void> {
  assertLoopbackOnly();
  await nft(BLOCK_UDP);
  if (!blocked) process.once('exit', removeOnExit);
  blocked = true;
}

/** Removes the rules blockUdp() added (and nothing else); fine to call when nothing is blocked. */
export async function unblockUdp(): Promise<void> {
  assertLoopbackOnly();
  await nft(REMOVE);
  if (blocked) process.removeListener('exit', removeOnExit);
  blocked = false;
}

/** Runs `body` with UDP blocked, and unblocks it however `body` ends. */
export async function withUdpBlocked<T>(body: () => Promise<T>): Promise<T> {
  await blockUdp();
  try {
    return await body();
  } finally {
    await unblockUdp();
  }
}

/** The `inet parlor_test` table as nft lists it, with its drop counters; '' when absent. */
export async function udpBlockRules(): Promise<string> {
  return new Promise((resolve) => {
    execFile(nftBinary(), ['list', 'table', 'inet', TABLE], (error, stdout) => resolve(error ? '' : stdout));
  });
}
