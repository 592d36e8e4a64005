/**
 * netfault.ts does what the call tests rely on: while UDP is blocked, a UDP datagram on
 * loopback goes nowhere and TCP still works; afterwards UDP works again.
 */
import { expect, test } from '@playwright/test';
import { createSocket, type Socket } from 'node:dgram';
import { createConnection, createServer, type AddressInfo, type Server } from 'node:net';
import { blockUdp, namespaceInterfaces, udpBlockRules, unblockUdp } from './netfault';

const HOST = '127.0.0.1';

/** Sends one datagram to the echo server: 'echoed', 'refused' (the send failed) or 'lost' (no echo within `ms`). */
function udpRoundTrip(port: number, ms: number): Promise<'echoed' | 'refused' | 'lost'> {
  return new Promise((resolve) => {
    const socket = createSocket('udp4');
    const done = (result: 'echoed' | 'refused' | 'lost') => {
      clearTimeout(timer);
      socket.close();
      resolve(result);
    };
    const timer = setTimeout(() => done('lost'), ms);
    socket.on('message', () => done('echoed'));
    socket.on('error', () => done('refused'));
    socket.send('ping', port, HOST, (error) => {
      if (error) done('refused');
    });
  });
}

function tcpRoundTrip(port: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = createConnection({ host: HOST, port }, () => socket.end('ping'));
    let reply = '';
    socket.on('data', (chunk) => (reply += chunk.toString()));
    socket.on('end', () => resolve(reply));
    socket.on('error', reject);
  });
}

let udpEcho: Socket;
let tcpEcho: Server;

test.beforeAll(async () => {
  udpEcho = createSocket('udp4');
  udpEcho.on('message', (message, from) => udpEcho.send(message, from.port, from.address));
  await new Promise<void>((resolve) => udpEcho.bind(0, HOST, () => resolve()));
  tcpEcho = createServer((socket) => socket.pipe(socket));
  await new Promise<void>((resolve) => tcpEcho.listen(0, HOST, () => resolve()));
});

test.afterAll(async () => {
  await unblockUdp();
  udpEcho.close();
  await new Promise((resolve) => tcpEcho.close(resolve));
});

test('blockUdp drops UDP on loopback while TCP keeps working; unblockUdp restores it', async () => {
  expect(namespaceInterfaces()).toEqual(['lo']);
  const udpPort = udpEcho.address().port;
  const tcpPort = (tcpEcho.address() as AddressInfo).port;
  expect(await udpRoundTrip(udpPort, 2_000)).toBe('echoed');
  expect(await tcpRoundTrip(tcpPort)).toBe('ping');

  await blockUdp();
  try {
    // The output hook drops the datagram as it is sent: the kernel reports EPERM at once.
    expect(await udpRoundTrip(udpPort, 1_000)).not.toBe('echoed');
    expect(await tcpRoundTrip(tcpPort)).toBe('ping');
    expect(await udpBlockRules()).toMatch(/meta l4proto udp counter packets [1-9]\d* bytes \d+ drop/);
    await blockUdp(); // idempotent
    expect(await udpRoundTrip(udpPort, 1_000)).not.toBe('echoed');
  } finally {
    await unblockUdp();
  }

  expect(await udpBlockRules()).toBe('');
  expect(await udpRoundTrip(udpPort, 2_000)).toBe('echoed');
  expect(await tcpRoundTrip(tcpPort)).toBe('ping');
  await unblockUdp(); // idempotent
});
