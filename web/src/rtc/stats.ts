/**
 * Per-peer quality from `RTCPeerConnection.getStats()`: a small digest of the numbers the UI
 * shows, and the badge it derives from them. Pure functions over plain stats objects, so they
 * are tested with hand-made reports.
 */

/** What getStats() resolves to: RTCStatsReport, or a Map of stats objects in tests. */
export interface StatsReportLike {
  forEach(callback: (stat: unknown) => void): void;
}

export interface StatsDigest {
  /** When the stats were taken (ms, the stats' own clock). */
  timestamp: number;
  /** Round trip time of the selected candidate pair. */
  rttMs: number | null;
  /**
   * Share of inbound packets lost, lost / (lost + received), since `previous` (over the whole
   * connection on the first sample). Null while nothing has been expected.
   */
  packetLoss: number | null;
  /** Inbound bits per second, all RTP streams, since `previous`. Null on the first sample. */
  inboundBitrate: number | null;
  /** Outbound video bits per second to this peer since `previous`; null on the first sample or without video. */
  outboundVideoBitrate: number | null;
  /** Whether the selected pair's local candidate is a TURN relay; null before a pair is selected. */
  relayed: boolean | null;
  /** Frames decoded so far from inbound video; null without inbound video. */
  framesDecoded: number | null;
  /**
   * Whether audio packets and decoded video frames kept arriving over the last interval of at
   * least FLOW_WINDOW_MS; null until that can be told, or without inbound media of that kind.
   * A sender that turned its camera or microphone off (`replaceTrack(null)`) sends nothing,
   * and browsers do not mute the receiving track for that, so this is how the far side knows.
   */
  audioFlowing: boolean | null;
  videoFlowing: boolean | null;
  /** Inbound audio packets so far (for `audioFlowing`). */
  audioPacketsReceived: number | null;
  /** Counters as of the sample that `audioFlowing`/`videoFlowing` were last judged against. */
  flowBase: { timestamp: number; audioPackets: number | null; frames: number | null } | null;
  /** Cumulative counters behind the rates, kept for the next sample. */
  bytesReceived: number;
  packetsReceived: number;
  packetsLost: number;
  /** Video bytes sent so far (for `outboundVideoBitrate`); null without outbound video. */
  videoBytesSent: number | null;
}

export type Quality =
  /** Not connected yet. */
  | 'connecting'
  | 'good'
  /** Connected, but with a long round trip or lost packets. */
  | 'poor'
  /** Was connected; the path is down and being restored (ICE restart). */
  | 'reconnecting';

/**
 * How the media travels: straight between the two browsers, or through the TURN relay (worth
 * knowing: it costs the relay's bandwidth, and in relay-only mode it is what hides addresses).
 */
export type LinkPath = 'direct' | 'relay';

/** The path of a digest's selected candidate pair; null before one is selected. */
export function linkPath(digest: StatsDigest | null): LinkPath | null {
  if (digest === null || digest.relayed === null) return null;
  return digest.relayed ? 'relay' : 'direct';
}

export const POOR_RTT_MS = 400;
/** Shorter gaps between samples say nothing about flow (a 24 fps stream has gaps of ~42 ms). */
export const FLOW_WINDOW_MS = 1_000;
export const POOR_PACKET_LOSS = 0.05;

type Stat = Record<string, unknown> & { id?: unknown; type?: unknown; timestamp?: unknown };

function num(value: unknown): number | null {
  return typeof value === 'number' && Number.isFinite(value) ? value : null;
}

function selectedPair(stats: Stat[], byId: Map<unknown, Stat>): Stat | undefined {
  // Standard: the transport names its selected pair.
  for (const s of stats) {
    if (s.type === 'transport' && typeof s.selectedCandidatePairId === 'string') {
      const pair = byId.get(s.selectedCandidatePairId);
      if (pair !== undefined) return pair;
    }
  }
  // Firefox marks the pair itself; older engines only say nominated + succeeded.
  const pairs = stats.filter((s) => s.type === 'candidate-pair');
  return pairs.find((p) => p.selected === true) ?? pairs.find((p) => p.nominated === true && p.state === 'succeeded');
}

export function summarizeStats(report: StatsReportLike, previous: StatsDigest | null): StatsDigest {
  const stats: Stat[] = [];
  report.forEach((value) => {
    if (typeof value === 'object' && value !== null) stats.push(value as Stat);
  });
  const byId = new Map(stats.map((s) => [s.id, s]));

  let timestamp = 0;
  for (const s of stats) timestamp = Math.max(timestamp, num(s.timestamp) ?? 0);

  const pair = selectedPair(stats, byId);
  const rttSeconds = pair === undefined ? null : num(pair.currentRoundTripTime);
  const local = pair === undefined ? undefined : byId.get(pair.localCandidateId);
  const relayed = local === undefined ? null : local.candidateType === 'relay';

  let bytesReceived = 0;
  let packetsReceived = 0;
  let packetsLost = 0;
  let inbound = 0;
  let framesDecoded: number | null = null;
  let audioPacketsReceived: number | null = null;
  let videoBytesSent: number | null = null;
  for (const s of stats) {
    if (s.type === 'outbound-rtp' && (s.kind ?? s.mediaType) === 'video') {
      videoBytesSent = (videoBytesSent ?? 0) + (num(s.bytesSent) ?? 0);
    }
  }
  for (const s of stats) {
    if (s.type !== 'inbound-rtp') continue;
    inbound += 1;
    bytesReceived += num(s.bytesReceived) ?? 0;
    packetsReceived += num(s.packetsReceived) ?? 0;
    // packetsLost is signed (duplicates can make it negative); never count below zero.
    packetsLost += Math.max(0, num(s.packetsLost) ?? 0);
    const kind = s.kind ?? s.mediaType;
    if (kind === 'video') framesDecoded = (framesDecoded ?? 0) + (num(s.framesDecoded) ?? 0);
    if (kind === 'audio') audioPacketsReceived = (audioPacketsReceived ?? 0) + (num(s.packetsReceived) ?? 0);
  }

  // Counters that went backwards belong to new streams (an ICE restart, a renegotiation):
  // start the rates over rather than report nonsense.
  const comparable =
    previous !== null &&
    timestamp > previous.timestamp &&
    bytesReceived >= previous.bytesReceived &&
    packetsReceived >= previous.packetsReceived &&
    packetsLost >= previous.packetsLost;

  let inboundBitrate: number | null = null;
  let packetLoss: number | null = null;
  if (inbound > 0) {
    const received = comparable ? packetsReceived - previous.packetsReceived : packetsReceived;
    const lost = comparable ? packetsLost - previous.packetsLost : packetsLost;
    packetLoss = received + lost > 0 ? lost / (received + lost) : null;
    if (comparable) inboundBitrate = ((bytesReceived - previous.bytesReceived) * 8 * 1000) / (timestamp - previous.timestamp);
  }

  let outboundVideoBitrate: number | null = null;
  if (
    videoBytesSent !== null &&
    previous !== null &&
    previous.videoBytesSent !== null &&
    timestamp > previous.timestamp &&
    videoBytesSent >= previous.videoBytesSent
  ) {
    outboundVideoBitrate = ((videoBytesSent - previous.videoBytesSent) * 8 * 1000) / (timestamp - previous.timestamp);
  }

  // Flow is judged against a base sample at least FLOW_WINDOW_MS old, so frequent sampling
  // (tests, debugging) cannot mistake the gap between two frames for a stopped stream.
  let audioFlowing: boolean | null = previous?.audioFlowing ?? null;
  let videoFlowing: boolean | null = previous?.videoFlowing ?? null;
  let flowBase = previous?.flowBase ?? null;
  const current = { timestamp, audioPackets: audioPacketsReceived, frames: framesDecoded };
  if (flowBase === null || timestamp < flowBase.timestamp) {
    flowBase = current;
  } else if (timestamp - flowBase.timestamp >= FLOW_WINDOW_MS) {
    audioFlowing = flowing(flowBase.audioPackets, audioPacketsReceived);
    videoFlowing = flowing(flowBase.frames, framesDecoded);
    flowBase = current;
  }
  if (audioPacketsReceived === null) audioFlowing = null;
  if (framesDecoded === null) videoFlowing = null;

  return {
    timestamp,
    rttMs: rttSeconds === null ? null : rttSeconds * 1000,
    packetLoss,
    inboundBitrate,
    outboundVideoBitrate,
    relayed,
    framesDecoded,
    audioFlowing,
    videoFlowing,
    audioPacketsReceived,
    flowBase,
    bytesReceived,
    packetsReceived,
    packetsLost,
    videoBytesSent,
  };
}

function flowing(before: number | null, now: number | null): boolean | null {
  if (now === null) return null;
  // A counter that went backwards belongs to a new stream: something arrived.
  if (before === null || now < before) return now > 0;
  return now > before;
}

/**
 * The badge for one peer, from its RTCPeerConnectionState, its latest digest, and whether it
 * was ever connected (a peer going through `connecting` again after an ICE restart is
 * reconnecting, not connecting).
 */
export function classifyQuality(connectionState: string, digest: StatsDigest | null, wasConnected = false): Quality {
  switch (connectionState) {
    case 'connected':
      break;
    case 'disconnected':
    case 'failed':
      return 'reconnecting';
    default:
      // new, connecting (closed peers are not listed)
      return wasConnected ? 'reconnecting' : 'connecting';
  }
  if (digest === null) return 'good';
  if ((digest.rttMs ?? 0) > POOR_RTT_MS || (digest.packetLoss ?? 0) > POOR_PACKET_LOSS) return 'poor';
  return 'good';
}
