/**
 * nginx (Debian's) from the shipped site, deploy/nginx/parlor.conf, in front of Parlor
 * instances, for one test, inside the test's loopback-only namespace (scripts/e2e.sh).
 *
 * As server/tests/integration/nginx_proxy_test.cpp does, only these lines of the shipped
 * file are replaced (each must be in it exactly once, so that a change there fails here
 * rather than going untested): the listen lines (free ports on 127.0.0.1; IPv6 left out),
 * the certificate and key (a self-signed pair made with `openssl req` at start, for the
 * file's server_name and 127.0.0.1), and the two upstream servers (the instances' ports).
 * The file goes inside a main configuration written here (events {}, http {} with the
 * pid, log and temporary paths in a temporary directory), as Debian's nginx.conf includes
 * sites-enabled/ inside http {}. One worker process.
 *
 * Its error log and access log (which says, per request, which instance answered:
 * `upstream=127.0.0.1:PORT`) go to test-results/nginx-<https port>.{error,access}.log,
 * beside the instances' own logs, to read after a failure.
 */
import { execFileSync } from 'node:child_process';
import { mkdirSync, mkdtempSync, readFileSync, writeFileSync } from 'node:fs';
import { request } from 'node:https';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { freePort } from './launch';
import { startService } from './service';

const webDir = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
/** The nginx site we ship. */
export const SHIPPED_SITE = path.resolve(webDir, '../deploy/nginx/parlor.conf');
const HOST = '127.0.0.1';
const STARTUP_DEADLINE_MS = 10_000;

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

export interface NginxPorts {
  /** The site's port 80 (redirects to HTTPS). */
  redirect: number;
  /** Its port 443. */
  https: number;
}

/** Two free loopback ports for nginx; pick them first when the instances must know the origin. */
export async function freeNginxPorts(): Promise<NginxPorts> {
  const redirect = await freePort();
  let https = await freePort();
  while (https === redirect) https = await freePort();
  return { redirect, https };
}

/** The origin browsers use with these ports: what the instances take as --public-origin. */
export function httpsOrigin(ports: NginxPorts): string {
  return `https://${HOST}:${ports.https}`;
}

/** The value of the first `directive` line of the site ("server_name a.example;" -> a.example). */
function firstValue(site: string, directive: string): string {
  const match = new RegExp(`^\\s*${directive}\\s+([^;]+);`, 'm').exec(site);
  if (!match) throw new Error(`${SHIPPED_SITE} has no ${directive} line`);
  return match[1]!.trim();
}

/** The shipped site with the test's values. Each replaced text must be in it exactly once. */
export function renderSite(
  site: string,
  ports: NginxPorts,
  upstreams: [number, number],
  certificate: string,
  key: string,
): string {
  const replacements: [string, string][] = [
    ['listen 80;', `listen ${HOST}:${ports.redirect};`],
    ['listen [::]:80;', '# (test: no IPv6 listener)'],
    ['listen 443 ssl;', `listen ${HOST}:${ports.https} ssl;`],
    ['listen [::]:443 ssl;', '# (test: no IPv6 listener)'],
    ['server 127.0.0.1:8081', `server ${HOST}:${upstreams[0]}`],
    ['server 127.0.0.1:8082', `server ${HOST}:${upstreams[1]}`],
    ['/etc/ssl/certs/CHANGE-ME-fullchain.pem', certificate],
    ['/etc/ssl/private/CHANGE-ME-privkey.pem', key],
  ];
  for (const [from, to] of replacements) {
    const at = site.indexOf(from);
    if (at < 0 || site.indexOf(from, at + 1) >= 0) {
      throw new Error(`${SHIPPED_SITE} no longer has '${from}' exactly once: update web/e2e/nginx.ts with it`);
    }
    site = site.slice(0, at) + to + site.slice(at + from.length);
  }
  return site;
}

export interface Nginx {
  /** `https://127.0.0.1:PORT`, the site's HTTPS port. */
  url: string;
  ports: NginxPorts;
  pid: number;
  /** The self-signed certificate it serves (PEM). */
  certificate: string;
  /** Its access log so far. */
  accessLog(): string;
  /** SIGTERM (SIGKILL after 5 s), then its temporary directory goes; the logs stay. */
  stop(): Promise<void>;
}

/** A GET over HTTPS that trusts only our certificate; the status, or an error's text. */
function httpsStatus(url: string, certificate: string, timeoutMs: number): Promise<number | string> {
  return new Promise((resolve) => {
    const req = request(url, { ca: certificate, timeout: timeoutMs }, (response) => {
      response.resume();
      resolve(response.statusCode ?? 0);
    });
    req.once('timeout', () => req.destroy(new Error('timed out')));
    req.once('error', (error) => resolve(String(error)));
    req.end();
  });
}

/**
 * Starts nginx from the shipped site on `ports`, in front of the instances on `upstreams`
 * (their ports on 127.0.0.1); returns once a health check passes through it over HTTPS.
 */
export async function startNginx(ports: NginxPorts, upstreams: [number, number]): Promise<Nginx> {
  const dir = mkdtempSync(path.join(tmpdir(), 'parlor-nginx-'));
  const logDir = path.join(webDir, 'test-results');
  mkdirSync(logDir, { recursive: true });
  const errorLog = path.join(logDir, `nginx-${ports.https}.error.log`);
  const accessLog = path.join(logDir, `nginx-${ports.https}.access.log`);

  const site = readFileSync(SHIPPED_SITE, 'utf8');
  const serverName = firstValue(site, 'server_name');
  const certificate = path.join(dir, 'fullchain.pem');
  const key = path.join(dir, 'privkey.pem');
  execFileSync(
    'openssl',
    ['req', '-x509', '-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes', '-days', '2',
      '-subj', `/CN=${serverName}`, '-addext', `subjectAltName=DNS:${serverName},IP:${HOST}`,
      '-keyout', key, '-out', certificate],
    { stdio: 'ignore' },
  );
  writeFileSync(path.join(dir, 'parlor.conf'), renderSite(site, ports, upstreams, certificate, key));

  const main = [
    '# Written by web/e2e/nginx.ts: the least main configuration around the shipped site.',
    // A master started as root runs its workers as nobody, who could not enter our 0700
    // directory for the temporary files.
    ...(process.getuid?.() === 0 ? ['user root;'] : []),
    'worker_processes 1;',
    `pid ${path.join(dir, 'nginx.pid')};`,
    `error_log ${errorLog} notice;`,
    'events { worker_connections 256; }',
    'http {',
    '    log_format parlor_test \'$remote_addr [$time_local] "$request" $status \'',
    '                           \'upstream=$upstream_addr upstream_status=$upstream_status \'',
    '                           \'request_time=$request_time\';',
    `    access_log ${accessLog} parlor_test;`,
    ...['client_body', 'proxy', 'fastcgi', 'uwsgi', 'scgi'].map((temp) => `    ${temp}_temp_path ${path.join(dir, temp)};`),
    `    include ${path.join(dir, 'parlor.conf')};`,
    '}',
    '',
  ].join('\n');
  writeFileSync(path.join(dir, 'nginx.conf'), main);

  const args = ['-p', `${dir}/`, '-c', path.join(dir, 'nginx.conf'), '-e', errorLog, '-g', 'daemon off;'];
  const nginx = startService('/usr/sbin/nginx', args, dir);
  const stop = nginx.stop;

  const pem = readFileSync(certificate, 'utf8');
  const url = `https://${HOST}:${ports.https}`;
  const deadline = Date.now() + STARTUP_DEADLINE_MS;
  let lastProblem: number | string = 'no answer yet';
  for (;;) {
    if (nginx.exit() !== null) {
      const log = readFileOr(errorLog);
      await stop();
      throw new Error(`nginx ${nginx.exit()} before it answered.\n$ nginx ${args.join(' ')}\n${nginx.output()}\n${log}`);
    }
    lastProblem = await httpsStatus(`${url}/api/health`, pem, 2_000);
    if (lastProblem === 200) break;
    if (Date.now() > deadline) {
      await stop();
      throw new Error(
        `nginx did not pass a health check within ${STARTUP_DEADLINE_MS / 1000} s (${lastProblem}).\n` +
          `${nginx.output()}\n${readFileOr(errorLog)}`,
      );
    }
    await sleep(50);
  }

  return {
    url,
    ports,
    pid: nginx.child.pid!,
    certificate: pem,
    accessLog: () => readFileOr(accessLog),
    stop,
  };
}

function readFileOr(file: string, otherwise = ''): string {
  try {
    return readFileSync(file, 'utf8');
  } catch {
    return otherwise;
  }
}
