import { describe, expect, it } from 'vitest';
import { classifyQuality, linkPath, summarizeStats, type StatsDigest } from './stats';

function report(...stats: Record<string, unknown>[]): Map<string, Record<string, unknown>> {
  return new Map(stats.map((s) => [s.id as string, s]));
}

/** What Chromium reports for a call with one audio and one video stream. */
/** [bytesReceived, packetsReceived, packetsLost] */
type Counters = [number, number, number];

function inbound(id: string, kind: string, timestamp: number, [bytes, received, lost]: Counters) {
  return { id, type: 'inbound-rtp', kind, timestamp, bytesReceived: bytes, packetsReceived: received, packetsLost: lost };
}

function pair(id: string, local: string, extra: Record<string, unknown>) {
  return { id, type: 'candidate-pair', localCandidateId: local, remoteCandidateId: 'R1', ...extra };
}

function chromium(timestamp: number, counters: { audio: Counters; video: Counters; frames: number }) {
  return report(
    { id: 'T1', type: 'transport', timestamp, selectedCandidatePairId: 'CP1' },
    pair('CP1', 'L1', { timestamp, nominated: true, state: 'succeeded', currentRoundTripTime: 0.023 }),
    pair('CP2', 'L2', { timestamp, nominated: false, state: 'failed', currentRoundTripTime: 0.9 }),
    { id: 'L1', type: 'local-candidate', timestamp, candidateType: 'host' },
    { id: 'L2', type: 'local-candidate', timestamp, candidateType: 'relay' },
    { id: 'R1', type: 'remote-candidate', timestamp, candidateType: 'host' },
    inbound('IA', 'audio', timestamp, counters.audio),
    { ...inbound('IV', 'video', timestamp, counters.video), framesDecoded: counters.frames },
    { id: 'OV', type: 'outbound-rtp', kind: 'video', timestamp, bytesSent: 999_999, packetsSent: 999 },
  );
}

describe('summarizeStats', () => {
  it('reads RTT and the candidate type of the pair the transport selected', () => {
    const digest = summarizeStats(chromium(10_000, { audio: [1000, 10, 0], video: [9000, 90, 0], frames: 42 }), null);
    expect(digest.rttMs).toBeCloseTo(23);
    expect(digest.relayed).toBe(false);
    expect(digest.framesDecoded).toBe(42);
    expect(digest.timestamp).toBe(10_000);
    expect(digest.bytesReceived).toBe(10_000);
    // First sample: no rate yet; loss over the connection's life so far.
    expect(digest.inboundBitrate).toBeNull();
    expect(digest.packetLoss).toBe(0);
  });

  it('computes bitrate and loss over the interval since the previous sample', () => {
    const first = summarizeStats(chromium(10_000, { audio: [1000, 100, 50], video: [9000, 900, 50], frames: 30 }), null);
    expect(first.packetLoss).toBeCloseTo(100 / 1100);
    const second = summarizeStats(chromium(12_000, { audio: [26_000, 200, 50], video: [234_000, 1890, 60], frames: 90 }), first);
    // 250 000 bytes in 2 s.
    expect(second.inboundBitrate).toBe(1_000_000);
    // 1090 received and 10 lost since the first sample.
    expect(second.packetLoss).toBeCloseTo(10 / 1100);
    expect(second.framesDecoded).toBe(90);
  });

  it('computes the outbound video bitrate to this peer, for the sender budget check', () => {
    const withSent = (timestamp: number, bytesSent: number) => {
      const r = chromium(timestamp, { audio: [0, 0, 0], video: [0, 0, 0], frames: 0 });
      r.set('OV', { id: 'OV', type: 'outbound-rtp', kind: 'video', timestamp, bytesSent });
      r.set('OA', { id: 'OA', type: 'outbound-rtp', kind: 'audio', timestamp, bytesSent: 1e9 });
      return r;
    };
    const first = summarizeStats(withSent(1_000, 10_000), null);
    expect(first.outboundVideoBitrate).toBeNull();
    // 125 000 video bytes in 2 s; audio does not count.
    expect(summarizeStats(withSent(3_000, 135_000), first).outboundVideoBitrate).toBe(500_000);
  });

  it('finds the selected pair by `selected` (Firefox) or nominated+succeeded, and spots a relay', () => {
    const firefox = report(
      pair('p1', 'l1', { timestamp: 5, selected: false, nominated: true, state: 'succeeded' }),
      pair('p2', 'l2', { timestamp: 5, selected: true, nominated: true, state: 'succeeded', currentRoundTripTime: 0.1 }),
      { id: 'l1', type: 'local-candidate', candidateType: 'host' },
      { id: 'l2', type: 'local-candidate', candidateType: 'relay' },
    );
    expect(summarizeStats(firefox, null)).toMatchObject({ relayed: true, rttMs: 100 });

    const older = report(
      { id: 'p1', type: 'candidate-pair', timestamp: 5, localCandidateId: 'l1', nominated: false, state: 'in-progress' },
      { id: 'p2', type: 'candidate-pair', timestamp: 5, localCandidateId: 'l2', nominated: true, state: 'succeeded' },
      { id: 'l1', type: 'local-candidate', candidateType: 'relay' },
      { id: 'l2', type: 'local-candidate', candidateType: 'srflx' },
    );
    expect(summarizeStats(older, null)).toMatchObject({ relayed: false, rttMs: null });
  });

  it('knows nothing before a pair is selected or media flows', () => {
    const digest = summarizeStats(
      report({ id: 'p', type: 'candidate-pair', timestamp: 1, localCandidateId: 'l', nominated: false, state: 'in-progress' }),
      null,
    );
    expect(digest).toMatchObject({ rttMs: null, relayed: null, packetLoss: null, inboundBitrate: null, framesDecoded: null });
    expect(summarizeStats(report(), null).timestamp).toBe(0);
  });

  it('starts the rates over when counters go backwards (new streams after a renegotiation)', () => {
    const before = summarizeStats(chromium(10_000, { audio: [50_000, 500, 5], video: [500_000, 5000, 5], frames: 900 }), null);
    const after = summarizeStats(chromium(12_000, { audio: [1_000, 10, 0], video: [5_000, 50, 0], frames: 10 }), before);
    expect(after.inboundBitrate).toBeNull();
    expect(after.packetLoss).toBe(0);
  });

  it('does not count negative packetsLost (duplicates) as gains', () => {
    const digest = summarizeStats(
      report({ id: 'i', type: 'inbound-rtp', kind: 'audio', timestamp: 1, bytesReceived: 10, packetsReceived: 10, packetsLost: -2 }),
      null,
    );
    expect(digest.packetLoss).toBe(0);
    expect(digest.framesDecoded).toBeNull();
  });
});

describe('classifyQuality', () => {
  const fine: StatsDigest = {
    timestamp: 1,
    rttMs: 40,
    packetLoss: 0.001,
    inboundBitrate: 800_000,
    relayed: false,
    framesDecoded: 100,
    audioFlowing: true,
    videoFlowing: true,
    audioPacketsReceived: 50,
    flowBase: null,
    bytesReceived: 0,
    packetsReceived: 0,
    packetsLost: 0,
    outboundVideoBitrate: null,
    videoBytesSent: null,
  };

  it('is good on a direct, healthy connection, and before the first stats', () => {
    expect(classifyQuality('connected', fine)).toBe('good');
    expect(classifyQuality('connected', null)).toBe('good');
  });

  it('is about the link, not its path: a healthy relayed link is good, and the path is told apart', () => {
    expect(classifyQuality('connected', { ...fine, relayed: true })).toBe('good');
    expect(linkPath({ ...fine, relayed: true })).toBe('relay');
    expect(linkPath({ ...fine, relayed: false })).toBe('direct');
    expect(linkPath({ ...fine, relayed: null })).toBeNull();
    expect(linkPath(null)).toBeNull();
  });

  it('is poor with a long round trip or lost packets, relayed or not', () => {
    expect(classifyQuality('connected', { ...fine, rttMs: 450 })).toBe('poor');
    expect(classifyQuality('connected', { ...fine, packetLoss: 0.08 })).toBe('poor');
    expect(classifyQuality('connected', { ...fine, packetLoss: 0.08, relayed: true })).toBe('poor');
  });

  it('is reconnecting while the path is down, connecting before it ever came up', () => {
    expect(classifyQuality('disconnected', fine)).toBe('reconnecting');
    expect(classifyQuality('failed', fine)).toBe('reconnecting');
    expect(classifyQuality('new', null)).toBe('connecting');
    expect(classifyQuality('connecting', null)).toBe('connecting');
    expect(classifyQuality('connecting', fine, true)).toBe('reconnecting');
  });
});

describe('media flow', () => {
  const sample = (timestamp: number, audioPackets: number, frames: number) =>
    chromium(timestamp, { audio: [audioPackets * 100, audioPackets, 0], video: [frames * 1000, frames, 0], frames });

  it('tells whether audio and video kept arriving, judged over at least a second', () => {
    let digest = summarizeStats(sample(10_000, 100, 30), null);
    expect(digest.audioFlowing).toBeNull();
    expect(digest.videoFlowing).toBeNull();
    digest = summarizeStats(sample(10_050, 102, 31), digest); // too soon to tell
    expect(digest.videoFlowing).toBeNull();
    digest = summarizeStats(sample(11_000, 150, 54), digest);
    expect(digest).toMatchObject({ audioFlowing: true, videoFlowing: true });
    // The far side turned its camera off: frames stop, audio goes on.
    digest = summarizeStats(sample(11_500, 175, 54), digest);
    expect(digest).toMatchObject({ audioFlowing: true, videoFlowing: true }); // not judged yet
    digest = summarizeStats(sample(12_100, 205, 54), digest);
    expect(digest).toMatchObject({ audioFlowing: true, videoFlowing: false });
    // …and muted the microphone.
    digest = summarizeStats(sample(13_200, 205, 54), digest);
    expect(digest).toMatchObject({ audioFlowing: false, videoFlowing: false });
    digest = summarizeStats(sample(14_300, 250, 80), digest);
    expect(digest).toMatchObject({ audioFlowing: true, videoFlowing: true });
  });

  it('has no opinion without inbound media of a kind', () => {
    const noVideo = report({ ...inbound('IA', 'audio', 1000, [100, 1, 0]) });
    const first = summarizeStats(noVideo, null);
    const second = summarizeStats(report({ ...inbound('IA', 'audio', 3000, [200, 2, 0]) }), first);
    expect(second).toMatchObject({ audioFlowing: true, videoFlowing: null, framesDecoded: null });
  });
});
