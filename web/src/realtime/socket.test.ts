import { describe, expect, it, vi } from 'vitest';
import type { ApiError } from '../api/http';
import type { Envelope } from './events';
import {
  backoffDelay,
  defaultSocketUrl,
  RealtimeClient,
  RealtimeError,
  type ConnectionInfo,
  type NetworkEvents,
  type RealtimeOptions,
  type Timers,
  type WebSocketLike,
} from './socket';
import { wireSnapshot } from '../api/wireFixtures';

const stateData = wireSnapshot;

/** The server's end of one socket. */
class FakeSocket implements WebSocketLike {
  readyState = 0;
  readonly sent: Envelope[] = [];
  closedWith: number | null = null;
  onopen: ((event: unknown) => void) | null = null;
  onmessage: ((event: { data: unknown }) => void) | null = null;
  onclose: ((event: { code: number; reason: string }) => void) | null = null;
  onerror: ((event: unknown) => void) | null = null;

  constructor(readonly url: string) {}

  send(data: string): void {
    if (this.readyState !== 1) throw new Error('send on a socket that is not open');
    this.sent.push(JSON.parse(data) as Envelope);
  }

  close(code?: number): void {
    this.closedWith = code ?? 1005;
    this.readyState = 3;
  }

  open(): void {
    this.readyState = 1;
    this.onopen?.({});
  }

  push(type: string, data: unknown, rid?: string): void {
    this.onmessage?.({ data: JSON.stringify(rid === undefined ? { type, data } : { type, data, rid }) });
  }

  /** A room-wide event with its number. */
  pushNumbered(seq: number, type: string, data: unknown): void {
    this.onmessage?.({ data: JSON.stringify({ type, data, seq }) });
  }

  /** Opens, and answers the room:join with room:state. */
  accept(): void {
    this.open();
    this.push('room:state', stateData);
  }

  drop(code = 1006, reason = ''): void {
    this.readyState = 3;
    this.onerror?.({});
    this.onclose?.({ code, reason });
  }
}

function fakeClock() {
  let now = 1_000_000;
  let seq = 0;
  const tasks = new Map<number, { at: number; run: () => void }>();
  const timers: Timers = {
    setTimeout(run, ms) {
      seq += 1;
      tasks.set(seq, { at: now + ms, run });
      return seq;
    },
    clearTimeout(handle) {
      tasks.delete(handle as number);
    },
  };
  function advance(ms: number): void {
    const end = now + ms;
    for (;;) {
      let next: [number, { at: number; run: () => void }] | null = null;
      for (const entry of tasks) if (entry[1].at <= end && (next === null || entry[1].at < next[1].at)) next = entry;
      if (next === null) break;
      tasks.delete(next[0]);
      now = next[1].at;
      next[1].run();
    }
    now = end;
  }
  return { timers, now: () => now, advance, pending: () => tasks.size };
}

/** The browser's `online` event, fired by hand. */
function fakeNetwork() {
  const listeners = new Set<() => void>();
  const network: NetworkEvents & { listeners: Set<() => void>; fire(): void } = {
    listeners,
    addEventListener: (_type, listener) => void listeners.add(listener),
    removeEventListener: (_type, listener) => void listeners.delete(listener),
    fire: () => {
      for (const listener of [...listeners]) listener();
    },
  };
  return network;
}

function setup(options: Partial<RealtimeOptions> = {}) {
  const sockets: FakeSocket[] = [];
  const clock = fakeClock();
  const client = new RealtimeClient({
    token: 'tok-1',
    url: 'ws://parlor.test/ws',
    createSocket: (url) => {
      const socket = new FakeSocket(url);
      sockets.push(socket);
      return socket;
    },
    timers: clock.timers,
    now: clock.now,
    random: () => 0.5,
    ...options,
  });
  const seen = {
    resync: vi.fn(),
    event: vi.fn(),
    status: vi.fn<(info: ConnectionInfo) => void>(),
    fatal: vi.fn<(error: ApiError) => void>(),
  };
  client.subscribe(seen);
  const last = () => sockets[sockets.length - 1]!;
  return { client, sockets, clock, seen, last };
}

describe('backoffDelay', () => {
  it('grows exponentially from the base up to the cap, with full jitter below the bound', () => {
    const bounds = Array.from({ length: 10 }, (_, attempt) => backoffDelay(attempt, () => 0.999999));
    expect(bounds.slice(0, 6)).toEqual([499, 999, 1999, 3999, 7999, 14999]);
    expect(bounds.slice(6)).toEqual([14999, 14999, 14999, 14999]);
    expect(backoffDelay(3, () => 0)).toBe(0);
    for (let attempt = 0; attempt < 40; attempt++) {
      const delay = backoffDelay(attempt, Math.random);
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(15_000, 500 * 2 ** attempt));
    }
  });
});

describe('defaultSocketUrl', () => {
  it('uses /ws on the page origin with the matching scheme', () => {
    expect(defaultSocketUrl({ protocol: 'http:', host: '127.0.0.1:8080' })).toBe('ws://127.0.0.1:8080/ws');
    expect(defaultSocketUrl({ protocol: 'https:', host: 'parlor.example' })).toBe('wss://parlor.example/ws');
  });
});

describe('RealtimeClient', () => {
  it('sends room:join with the token first and delivers room:state as a resync', () => {
    const { client, seen, last, sockets } = setup();
    client.connect();
    expect(sockets).toHaveLength(1);
    expect(last().url).toBe('ws://parlor.test/ws');
    expect(client.status.status).toBe('connecting');
    last().open();
    expect(last().sent).toHaveLength(1);
    expect(last().sent[0]).toMatchObject({ type: 'room:join', data: { token: 'tok-1' } });
    expect(typeof last().sent[0]?.rid).toBe('string');
    // Not joined yet: nothing else may go out before room:join is answered.
    expect(() => client.send('call:start', {})).toThrow(RealtimeError);
    last().push('room:state', stateData);
    expect(client.status).toEqual({ status: 'open', attempt: 0, nextRetryAt: null });
    expect(seen.resync).toHaveBeenCalledTimes(1);
    expect(seen.resync.mock.calls[0]?.[0]).toMatchObject({ self: 'a', room: { code: 'abcd-efgh-jkmn' } });
    client.send('call:start', {});
    expect(last().sent[1]).toMatchObject({ type: 'call:start', data: {} });
    client.close();
  });

  describe('numbered events', () => {
    const joinedAs = (memberId: string) => ({ callId: 'c1', memberId });
    const order = (seen: ReturnType<typeof setup>['seen']) =>
      seen.event.mock.calls.map(([e]) => (e.data as { memberId?: string }).memberId);

    it('drops events the state reflects and applies the next in order', () => {
      const { client, seen, last } = setup();
      client.connect();
      last().open();
      last().push('room:state', { ...stateData, seq: 7 });
      last().pushNumbered(7, 'call:participant-joined', joinedAs('old'));
      last().pushNumbered(8, 'call:participant-joined', joinedAs('b'));
      last().pushNumbered(8, 'call:participant-joined', joinedAs('again'));
      expect(order(seen)).toEqual(['b']);
      client.close();
    });

    it('holds an early event until the one before it comes', () => {
      const { client, seen, last, clock } = setup();
      client.connect();
      last().open();
      last().push('room:state', { ...stateData, seq: 1 });
      last().pushNumbered(3, 'call:participant-joined', joinedAs('c'));
      last().pushNumbered(4, 'call:participant-joined', joinedAs('d'));
      expect(order(seen)).toEqual([]);
      clock.advance(500);
      last().pushNumbered(2, 'call:participant-joined', joinedAs('b'));
      expect(order(seen)).toEqual(['b', 'c', 'd']);
      clock.advance(5_000);
      expect(last().sent.map((e) => e.type)).toEqual(['room:join']); // no resync was needed
      client.close();
    });

    it('resyncs on the same socket when a missing event does not come', () => {
      const { client, seen, last, clock, sockets } = setup({ gapWaitMs: 1_000 });
      client.connect();
      last().open();
      last().push('room:state', { ...stateData, seq: 1 });
      last().pushNumbered(3, 'call:participant-joined', joinedAs('c'));
      clock.advance(999);
      expect(last().sent).toHaveLength(1);
      clock.advance(1);
      expect(last().sent.map((e) => e.type)).toEqual(['room:join', 'room:join']);
      expect(last().sent[1]?.data).toEqual({ token: 'tok-1' });
      // Until the fresh state, events are dropped: it reflects them.
      last().pushNumbered(4, 'call:participant-joined', joinedAs('d'));
      last().push('room:state', { ...stateData, seq: 4 });
      last().pushNumbered(5, 'call:participant-joined', joinedAs('e'));
      expect(order(seen)).toEqual(['e']);
      expect(seen.resync).toHaveBeenCalledTimes(2);
      expect(sockets).toHaveLength(1);
      expect(client.status.status).toBe('open');
      client.close();
    });

    it('applies events as they come from a server that does not number them', () => {
      const { client, seen, last } = setup();
      client.connect();
      last().accept(); // no seq in the state
      last().pushNumbered(9, 'call:participant-joined', joinedAs('b'));
      last().pushNumbered(3, 'call:participant-joined', joinedAs('c'));
      expect(order(seen)).toEqual(['b', 'c']);
      client.close();
    });
  });

  it('delivers checked events in order and drops frames that do not fit', () => {
    const { client, seen, last } = setup();
    const joined = vi.fn();
    client.on('call:participant-joined', joined);
    client.connect();
    last().accept();
    last().push('call:participant-joined', { callId: 'c1', memberId: 'b' });
    last().push('call:participant-joined', { callId: 'c1' }); // no memberId
    last().onmessage?.({ data: 'not json' });
    last().push('something:new', { x: 1 }); // a newer server's event
    last().push('member:left', { memberId: 'b', reason: 'offline' });
    expect(joined).toHaveBeenCalledTimes(1);
    expect(joined).toHaveBeenCalledWith({ callId: 'c1', memberId: 'b' });
    expect(seen.event.mock.calls.map(([e]) => e.type)).toEqual(['call:participant-joined', 'member:left']);
    client.close();
  });

  it('reconnects with growing, capped, jittered delays and reports each attempt', () => {
    const { client, clock, sockets, last } = setup({ unreachableAfterMs: 0 });
    client.connect();
    const delays: number[] = [];
    for (let i = 0; i < 8; i++) {
      last().drop();
      const info = client.status;
      // Still retrying after the third failure in a row, but saying the room can't be reached.
      expect(info.status).toBe(i + 1 < 3 ? 'reconnecting' : 'unreachable');
      expect(info.attempt).toBe(i + 1);
      const delay = info.nextRetryAt! - clock.now();
      delays.push(delay);
      // No new socket before the delay is over, one right after.
      const count = sockets.length;
      if (delay > 0) {
        clock.advance(delay - 1);
        expect(sockets).toHaveLength(count);
      }
      clock.advance(1);
      expect(sockets).toHaveLength(count + 1);
      expect(client.status.nextRetryAt).toBeNull();
    }
    // random() = 0.5: half of min(cap, 500·2^n).
    expect(delays).toEqual([250, 500, 1000, 2000, 4000, 7500, 7500, 7500]);
    client.close();
  });

  it('keeps every delay inside the jitter range for any random value', () => {
    const values = [0, 0.1, 0.73, 0.999];
    let i = 0;
    const { client, clock, last } = setup({ random: () => values[i++ % values.length]! });
    client.connect();
    for (let attempt = 0; attempt < 12; attempt++) {
      last().drop();
      const delay = client.status.nextRetryAt! - clock.now();
      expect(delay).toBeGreaterThanOrEqual(0);
      expect(delay).toBeLessThan(Math.min(15_000, 500 * 2 ** attempt));
      clock.advance(delay);
    }
    client.close();
  });

  it('resyncs after a reconnect: room:join again, then room:state again, and the backoff starts over', () => {
    const { client, clock, sockets, seen, last } = setup();
    client.connect();
    last().accept();
    for (let i = 0; i < 4; i++) {
      last().drop();
      clock.advance(client.status.nextRetryAt! - clock.now());
    }
    expect(client.status.attempt).toBe(4);
    last().open();
    expect(last().sent[0]).toMatchObject({ type: 'room:join', data: { token: 'tok-1' } });
    last().push('room:state', { ...stateData, members: [] });
    expect(seen.resync).toHaveBeenCalledTimes(2);
    expect(seen.resync.mock.calls[1]?.[0].members).toEqual([]);
    expect(client.status).toEqual({ status: 'open', attempt: 0, nextRetryAt: null });
    expect(seen.status.mock.calls.map(([s]) => s.status)).toContain('reconnecting');
    // A good connection resets the backoff: the next wait is back under the base.
    last().drop();
    expect(client.status.attempt).toBe(1);
    expect(client.status.nextRetryAt! - clock.now()).toBe(250);
    expect(sockets.length).toBe(5);
    client.close();
  });

  it('gives up on a socket that never gets room:state and tries again', () => {
    const { client, clock, sockets, last } = setup({ joinTimeoutMs: 10_000 });
    client.connect();
    last().open();
    clock.advance(10_000);
    expect(sockets[0]!.closedWith).toBe(1000);
    expect(client.status.status).toBe('reconnecting');
    clock.advance(client.status.nextRetryAt! - clock.now());
    expect(sockets).toHaveLength(2);
    client.close();
  });

  it('gives the server the whole deadline after a slow open, and drops a socket that never opens', () => {
    const { client, clock, sockets, last } = setup({ joinTimeoutMs: 10_000 });
    client.connect();
    clock.advance(9_000);
    last().open(); // a slow proxy: open after 9 s
    clock.advance(9_999);
    expect(sockets[0]!.closedWith).toBeNull();
    clock.advance(1);
    expect(sockets[0]!.closedWith).toBe(1000);
    expect(client.status).toMatchObject({ status: 'reconnecting', attempt: 1 });

    clock.advance(client.status.nextRetryAt! - clock.now());
    expect(sockets).toHaveLength(2);
    clock.advance(10_000); // never opens
    expect(sockets[1]!.closedWith).toBe(1000);
    expect(client.status).toMatchObject({ status: 'reconnecting', attempt: 2 });
    client.close();
  });

  it('keeps saying "reconnecting" while three quick failures are still under 10 s old', () => {
    const { client, clock, last } = setup();
    client.connect();
    const firstFailure = clock.now();
    for (let i = 0; i < 3; i++) {
      last().drop();
      clock.advance(client.status.nextRetryAt! - clock.now());
    }
    last().drop();
    // Four failures within 1.75 s (250 + 500 + 1000 ms of backoff): still only reconnecting.
    expect(client.status).toMatchObject({ status: 'reconnecting', attempt: 4 });
    // Failures go on past 10 s since the first: now the page may say the server can't be reached.
    while (clock.now() - firstFailure < 10_000) {
      clock.advance(client.status.nextRetryAt! - clock.now());
      last().drop();
    }
    expect(client.status.status).toBe('unreachable');
    client.close();
  });

  it('says the room is unreachable after three failed attempts in a row, keeps trying, and recovers', () => {
    const { client, clock, sockets, seen, last } = setup({ joinTimeoutMs: 10_000 });
    client.connect();
    // The server accepts sockets but never answers room:join.
    for (let attempt = 1; attempt <= 3; attempt++) {
      last().open();
      clock.advance(10_000);
      expect(client.status.attempt).toBe(attempt);
      expect(client.status.status).toBe(attempt < 3 ? 'reconnecting' : 'unreachable');
      clock.advance(client.status.nextRetryAt! - clock.now());
    }
    expect(sockets).toHaveLength(4);
    // Making the next attempt does not flip it back to `reconnecting`.
    expect(client.status).toEqual({ status: 'unreachable', attempt: 3, nextRetryAt: null });
    expect(seen.status.mock.calls.map(([info]) => info.status)).toEqual([
      'reconnecting',
      'reconnecting',
      'reconnecting',
      'reconnecting',
      'unreachable',
      'unreachable',
    ]);
    // "Try again" while waiting skips the backoff.
    last().drop();
    expect(client.status.status).toBe('unreachable');
    client.reconnectNow();
    expect(sockets).toHaveLength(5);
    last().accept();
    expect(client.status).toEqual({ status: 'open', attempt: 0, nextRetryAt: null });
    expect(seen.resync).toHaveBeenCalledTimes(1);
    expect(seen.fatal).not.toHaveBeenCalled();
    client.close();
  });

  it('reconnects at once when the browser comes back online, instead of waiting out the backoff', () => {
    const network = fakeNetwork();
    const { client, clock, sockets, last } = setup({ network, random: () => 0.999 });
    client.connect();
    expect(network.listeners.size).toBe(1);
    last().accept();
    network.fire(); // online while open: nothing to do
    expect(sockets).toHaveLength(1);

    for (let i = 0; i < 6; i++) {
      last().drop();
      if (i < 5) clock.advance(client.status.nextRetryAt! - clock.now());
    }
    expect(sockets).toHaveLength(6);
    expect(client.status.nextRetryAt! - clock.now()).toBeGreaterThan(14_000);
    network.fire();
    expect(sockets).toHaveLength(7);
    expect(client.status.nextRetryAt).toBeNull();
    network.fire(); // an attempt is under way: left alone
    expect(sockets).toHaveLength(7);
    last().accept();
    expect(client.status.status).toBe('open');
    // The cancelled retry never fires.
    clock.advance(60_000);
    expect(sockets).toHaveLength(7);

    client.close();
    expect(network.listeners.size).toBe(0);
    network.fire();
    expect(sockets).toHaveLength(7);
  });

  it('stops listening for the network once it leaves the room', async () => {
    const network = fakeNetwork();
    const { client, last } = setup({ network });
    client.connect();
    last().accept();
    const left = client.leave();
    last().drop(1000);
    await left;
    expect(network.listeners.size).toBe(0);
  });

  it('fails sends fast while disconnected instead of queueing them', () => {
    const { client, last } = setup();
    client.connect();
    last().accept();
    last().drop();
    let error: unknown;
    try {
      client.send('call:join', { callId: 'c1' });
    } catch (e) {
      error = e;
    }
    expect(error).toBeInstanceOf(RealtimeError);
    expect((error as RealtimeError).code).toBe('not_connected');
    return expect(client.request('call:start', {}, { expect: 'call:started' })).rejects.toMatchObject({
      code: 'not_connected',
    });
  });

  it('does not reconnect after close(), even with a retry already scheduled', () => {
    const { client, clock, sockets, seen, last } = setup();
    client.connect();
    last().accept();
    last().drop();
    expect(clock.pending()).toBeGreaterThan(0);
    client.close();
    expect(clock.pending()).toBe(0);
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
    expect(client.status.status).toBe('closed');
    expect(seen.status).toHaveBeenLastCalledWith({ status: 'closed', attempt: 1, nextRetryAt: null });

    const second = setup();
    second.client.connect();
    second.last().accept();
    second.client.close();
    expect(second.last().closedWith).toBe(1000);
    second.last().drop(); // a late close event from the browser
    second.clock.advance(60_000);
    expect(second.sockets).toHaveLength(1);
  });

  it('leave() sends room:leave and never reconnects when the socket then closes', async () => {
    const { client, clock, sockets, last } = setup();
    client.connect();
    last().accept();
    const left = client.leave();
    expect(last().sent[1]).toMatchObject({ type: 'room:leave', data: {} });
    last().drop(1000);
    await expect(left).resolves.toBeUndefined();
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
    expect(client.status.status).toBe('closed');
  });

  it('leave() closes by itself when the server keeps the socket open, and reports an error about it', async () => {
    const quiet = setup({ leaveTimeoutMs: 1000 });
    quiet.client.connect();
    quiet.last().accept();
    const left = quiet.client.leave();
    quiet.clock.advance(1000);
    await expect(left).resolves.toBeUndefined();
    expect(quiet.last().closedWith).toBe(1000);
    expect(quiet.client.status.status).toBe('closed');

    const refused = setup();
    refused.client.connect();
    refused.last().accept();
    const failed = refused.client.leave();
    refused.last().push('error', { code: 'unauthorized', message: 'gone', rid: refused.last().sent[1]!.rid });
    await expect(failed).rejects.toMatchObject({ code: 'unauthorized' });
    refused.clock.advance(60_000);
    expect(refused.sockets).toHaveLength(1);
    expect(refused.client.status.status).toBe('closed');
  });

  it('a room:leave sent through send() also ends reconnecting', () => {
    const { client, clock, sockets, last } = setup();
    client.connect();
    last().accept();
    client.send('room:leave', {});
    last().drop(1000);
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
    expect(client.status.status).toBe('closed');
  });

  it('stops and reports a fatal auth failure when room:join is refused', () => {
    for (const code of ['unauthorized', 'forbidden', 'room_not_found']) {
      const { client, clock, sockets, seen, last } = setup();
      client.connect();
      last().open();
      last().push('error', { code, message: 'no', rid: last().sent[0]!.rid });
      expect(seen.fatal).toHaveBeenCalledTimes(1);
      expect(seen.fatal.mock.calls[0]?.[0].code).toBe(code);
      expect(client.status.status).toBe('closed');
      expect(last().closedWith).toBe(1000);
      last().drop();
      clock.advance(60_000);
      expect(sockets).toHaveLength(1);
      expect(seen.resync).not.toHaveBeenCalled();
    }
  });

  it('after the server closes for an expired token, reconnects once and stops at the refusal: no loop', () => {
    const { client, clock, sockets, seen, last } = setup();
    client.connect();
    last().accept();
    last().drop(1008); // the server's "token expired"
    clock.advance(client.status.nextRetryAt! - clock.now());
    last().open();
    expect(last().sent[0]).toMatchObject({ type: 'room:join', data: { token: 'tok-1' } });
    last().push('error', { code: 'unauthorized', message: 'The token has expired', rid: last().sent[0]!.rid });
    expect(seen.fatal).toHaveBeenCalledTimes(1);
    expect(seen.fatal.mock.calls[0]?.[0].code).toBe('unauthorized');
    expect(client.status.status).toBe('closed');
    clock.advance(60_000);
    expect(sockets).toHaveLength(2);
  });

  it('retries when room:join fails for a reason that may pass', () => {
    const { client, clock, sockets, seen, last } = setup();
    client.connect();
    last().open();
    last().push('error', { code: 'unavailable', message: 'db down', rid: last().sent[0]!.rid });
    expect(seen.fatal).not.toHaveBeenCalled();
    expect(client.status.status).toBe('reconnecting');
    clock.advance(client.status.nextRetryAt! - clock.now());
    expect(sockets).toHaveLength(2);
    client.close();
  });

  it('rejects the request whose rid an error echoes, and resolves the other on its event', async () => {
    const { client, seen, last } = setup();
    client.connect();
    last().accept();
    const start = client.request('call:start', {}, { expect: 'call:started' });
    const join = client.request(
      'call:join',
      { callId: 'c0' },
      { expect: 'call:participant-joined', match: (d) => d.memberId === 'a' },
    );
    const joinRid = last().sent[2]!.rid!;
    expect(last().sent[1]!.rid).not.toBe(joinRid);
    last().push('error', { code: 'call_full', message: 'The call is full', rid: joinRid });
    await expect(join).rejects.toMatchObject({ code: 'call_full', message: 'The call is full' });
    const call = { id: 'c1', startedBy: 'a', startedAt: '2026-01-01T00:00:00Z', participants: [{ memberId: 'a', joinedAt: '' }] };
    last().push('call:started', { call });
    await expect(start).resolves.toEqual({ call });
    // The answered error is the request's, not the room's; the event reaches everyone.
    expect(seen.event.mock.calls.map(([e]) => e.type)).toEqual(['call:started']);
    client.close();
  });

  it('hands errors nobody waits for to subscribers', () => {
    const { client, seen, last } = setup();
    client.connect();
    last().accept();
    const rid = client.send('signal:ice', { to: 'b', callId: 'c1', candidate: null });
    last().push('error', { code: 'unknown_peer', message: 'no such peer', rid });
    expect(seen.event).toHaveBeenCalledWith({ type: 'error', data: { code: 'unknown_peer', message: 'no such peer', rid } });
    client.close();
  });

  it('times out, and fails pending requests when the socket drops or the client closes', async () => {
    const { client, clock, last } = setup();
    client.connect();
    last().accept();
    const slow = client.request('call:start', {}, { expect: 'call:started', timeoutMs: 5000 });
    clock.advance(5000);
    await expect(slow).rejects.toMatchObject({ code: 'timeout' });
    const dropped = client.request('call:start', {}, { expect: 'call:started' });
    last().drop();
    await expect(dropped).rejects.toMatchObject({ code: 'disconnected' });
    clock.advance(client.status.nextRetryAt! - clock.now());
    last().accept();
    const closed = client.request('call:end', { callId: 'c1' }, { expect: 'call:ended' });
    client.close();
    await expect(closed).rejects.toMatchObject({ code: 'closed' });
  });

  it('drop() cuts the socket like a network failure: reconnecting, then room:join and a resync', async () => {
    const { client, clock, sockets, seen, last } = setup();
    client.connect();
    last().accept();
    const pending = client.request('call:start', {}, { expect: 'call:started' });
    client.drop();
    expect(sockets[0]!.closedWith).toBe(1000);
    expect(client.status.status).toBe('reconnecting');
    await expect(pending).rejects.toMatchObject({ code: 'disconnected' });
    clock.advance(client.status.nextRetryAt! - clock.now());
    expect(sockets).toHaveLength(2);
    last().accept();
    expect(last().sent[0]).toMatchObject({ type: 'room:join' });
    expect(seen.resync).toHaveBeenCalledTimes(2);
    expect(client.isOpen).toBe(true);
    client.close();
    client.drop(); // after close(): nothing to drop, nothing reopens
    clock.advance(60_000);
    expect(sockets).toHaveLength(2);
  });

  it('refuses frames larger than the server accepts', () => {
    const { client, last } = setup();
    client.connect();
    last().accept();
    expect(() => client.send('signal:offer', { to: 'b', callId: 'c1', sdp: 'x'.repeat(70_000) })).toThrow(
      /larger than the server accepts/,
    );
    expect(last().sent).toHaveLength(1);
    client.close();
  });
});

describe('chat, lock, remove and hands over the socket', () => {
  const message = (id: string, memberId: string, text: string) => ({
    message: { id, memberId, displayName: memberId === 'a' ? 'Alice' : 'Bob', text, createdAt: '2026-01-01T00:10:00Z' },
  });

  it('chat:send settles on the chat:message that echoes its rid, not on someone else\'s arriving first', async () => {
    const { client, last } = setup();
    client.connect();
    last().accept();
    let settled = false;
    const sent = client.request('chat:send', { text: 'hello' }, { expect: 'chat:message', echoesRid: true });
    void sent.then(() => (settled = true));
    const frame = last().sent.at(-1)!;
    expect(frame).toMatchObject({ type: 'chat:send', data: { text: 'hello' } });
    last().push('chat:message', message('m1', 'b', 'from Bob'));
    await Promise.resolve();
    expect(settled).toBe(false);
    last().push('chat:message', message('m2', 'a', 'hello'), frame.rid);
    await expect(sent).resolves.toMatchObject({ message: { id: 'm2', text: 'hello' } });
  });

  it('chat:send rejects with the server\'s error echoing its rid (rate_limited, quota_exceeded)', async () => {
    const { client, last } = setup();
    client.connect();
    last().accept();
    const sent = client.request('chat:send', { text: 'x' }, { expect: 'chat:message', echoesRid: true });
    const rid = last().sent.at(-1)!.rid;
    last().push('error', { code: 'rate_limited', message: 'You are sending messages too fast', rid });
    await expect(sent).rejects.toMatchObject({ code: 'rate_limited', message: 'You are sending messages too fast' });
  });

  it('a close with 1000 "removed" is fatal (token_revoked) and never reconnects', () => {
    const { client, clock, sockets, seen, last } = setup();
    client.connect();
    last().accept();
    last().drop(1000, 'removed');
    expect(seen.fatal).toHaveBeenCalledTimes(1);
    expect(seen.fatal.mock.calls[0]?.[0].code).toBe('token_revoked');
    expect(client.status.status).toBe('closed');
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('another close with 1000 still reconnects', () => {
    const { client, clock, sockets, seen, last } = setup();
    client.connect();
    last().accept();
    last().drop(1000, 'going away');
    clock.advance(client.status.nextRetryAt! - clock.now());
    expect(sockets).toHaveLength(2);
    expect(seen.fatal).not.toHaveBeenCalled();
    client.close();
  });

  it('room:join answered token_revoked is fatal', () => {
    const { client, clock, sockets, seen, last } = setup();
    client.connect();
    last().open();
    last().push('error', { code: 'token_revoked', message: 'You were removed from this room', rid: last().sent[0]!.rid });
    expect(seen.fatal.mock.calls[0]?.[0]).toMatchObject({ code: 'token_revoked', status: 401 });
    clock.advance(60_000);
    expect(sockets).toHaveLength(1);
  });

  it('delivers room:updated, member:updated and chat:message to subscribers, typed', () => {
    const { client, seen, last } = setup();
    client.connect();
    last().accept();
    last().push('room:updated', { room: { ...stateData.room, locked: true } });
    last().push('member:updated', { member: { ...stateData.members[0], handRaisedAt: '2026-01-01T00:11:00Z' } });
    last().push('chat:message', message('m1', 'b', 'hi'));
    const types = seen.event.mock.calls.map((call) => (call[0] as { type: string }).type);
    expect(types).toEqual(['room:updated', 'member:updated', 'chat:message']);
    expect(seen.event.mock.calls[0]?.[0]).toMatchObject({ data: { room: { locked: true } } });
    expect(seen.event.mock.calls[1]?.[0]).toMatchObject({ data: { member: { handRaisedAt: '2026-01-01T00:11:00Z' } } });
  });
});
