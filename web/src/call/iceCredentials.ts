/**
 * Our STUN/TURN servers and their short-lived TURN credential (`GET …/ice-servers`): fetched
 * when someone is about to join (so the join waits for nothing), fresh for every join, and
 * renewed before they expire for as long as the call lasts.
 */
import type { IceGrant } from '../api/types';
import { Settled } from '../lib/settled';
import type { IceConfig } from '../rtc/types';
import type { CallTimers } from './timers';

/** Credentials are renewed this long before they expire (and at least this often: half the TTL). */
const REFRESH_MARGIN_MS = 5 * 60_000;
/** A fetch that fails is tried again after this long. */
const RETRY_MS = 30_000;
/** Credentials fetched this recently count as fetched for the join (their TTL is far longer). */
const PREFETCH_FRESH_MS = 60_000;

export interface IceCredentialsOptions {
  fetch: () => Promise<IceGrant>;
  /** What to use when a fetch fails: the latest room snapshot's (made for us when it was sent). */
  fallback: () => IceConfig;
  /** At each renewal: still wanted? (in a call) and where the fresh ones go. */
  inUse: () => boolean;
  renewed: (config: IceConfig) => void;
  timers: CallTimers;
  now: () => number;
}

export class IceCredentials {
  /** Newest settings: null until a fetch (or its fallback) brings some. */
  private latest: IceConfig | null = null;
  private timer: unknown = null;
  private prefetched: { ice: Settled<IceConfig>; at: number } | null = null;
  private stopped = false;

  constructor(private readonly options: IceCredentialsOptions) {}

  /** The newest we have, else the snapshot's. */
  current(): IceConfig {
    return this.latest ?? this.options.fallback();
  }

  /** Settings that just came some other way (a room snapshot after a reconnect). */
  use(config: IceConfig): void {
    this.latest = config;
  }

  /** Someone is about to join: fetch now, unless a recent fetch is there. */
  prefetch(): void {
    if (this.stopped) return;
    if (this.prefetched !== null && this.options.now() - this.prefetched.at < PREFETCH_FRESH_MS) return;
    this.prefetched = { ice: new Settled(this.fresh()), at: this.options.now() };
  }

  /** For a join: the prefetched ones if recent, else a fetch started now. */
  forJoin(): Settled<IceConfig> {
    const prefetched = this.prefetched;
    this.prefetched = null;
    if (prefetched !== null && this.options.now() - prefetched.at < PREFETCH_FRESH_MS) return prefetched.ice;
    return new Settled(this.fresh());
  }

  /** Fetched now, the fallback if that fails; schedules the renewal either way. */
  async fresh(): Promise<IceConfig> {
    try {
      const grant = await this.options.fetch();
      this.latest = { iceServers: grant.iceServers, iceTransportPolicy: grant.iceTransportPolicy };
      this.schedule(grant.ttlSeconds * 1000);
    } catch {
      this.latest ??= this.options.fallback();
      this.schedule(null);
    }
    return this.latest;
  }

  /** Only the servers, for "Test connection": fetched now, the newest we have if that fails. */
  async servers(): Promise<IceConfig['iceServers']> {
    try {
      return (await this.options.fetch()).iceServers;
    } catch {
      return this.current().iceServers;
    }
  }

  /** No renewal pending (the call ended). */
  cancel(): void {
    if (this.timer !== null) this.options.timers.clearTimeout(this.timer);
    this.timer = null;
  }

  stop(): void {
    this.stopped = true;
    this.cancel();
  }

  private schedule(ttlMs: number | null): void {
    this.cancel();
    if (this.stopped) return;
    const delay = ttlMs === null ? RETRY_MS : Math.max(1_000, Math.min(ttlMs / 2, ttlMs - REFRESH_MARGIN_MS));
    this.timer = this.options.timers.setTimeout(() => {
      this.timer = null;
      if (this.options.inUse()) void this.fresh().then((config) => this.options.renewed(config));
    }, delay);
  }
}
