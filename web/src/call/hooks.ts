/**
 * How React reads the call's live objects: the MeshManager's peers, a MediaStream's tracks,
 * the stage's size. Each hook subscribes in an effect (or useSyncExternalStore) and returns
 * the unsubscribe; components never touch RTCPeerConnection.
 */
import { useEffect, useMemo, useRef, useState, useSyncExternalStore, type RefObject } from 'react';
import type { PeerState } from '../rtc/types';
import type { CallSession } from './callSession';
import { useCall } from './callStore';
import { bestGrid, type GridLayout } from './layout';

const NO_PEERS: readonly PeerState[] = [];
const noSubscription = () => () => {};
const noPeers = () => NO_PEERS;

/** The room's call session, for components to call its actions (null outside a room). */
export function useCallSession(): CallSession | null {
  return useCall((s) => s.session);
}

/** The remote participants' connection states, re-rendering on every change. */
export function useCallPeers(): readonly PeerState[] {
  const media = useCall((s) => s.callMedia);
  const source = useMemo(
    () =>
      media === null
        ? { subscribe: noSubscription, getSnapshot: noPeers }
        : { subscribe: (listener: () => void) => media.subscribe(listener), getSnapshot: () => media.getSnapshot() },
    [media],
  );
  return useSyncExternalStore(source.subscribe, source.getSnapshot);
}

export interface TrackPresence {
  /** A live track of this kind is in the stream. */
  present: boolean;
  /** Present and receiving (for remote tracks: media arrives). */
  live: boolean;
}

function presence(stream: MediaStream | null, kind: 'audio' | 'video'): TrackPresence {
  const tracks = stream === null ? [] : kind === 'audio' ? stream.getAudioTracks() : stream.getVideoTracks();
  const usable = tracks.filter((t) => t.readyState === 'live');
  return { present: usable.length > 0, live: usable.some((t) => !t.muted && t.enabled) };
}

/** Whether a stream has audio and video flowing, following track mute/unmute/ended and add/remove. */
export function useStreamPresence(stream: MediaStream | null): { audio: TrackPresence; video: TrackPresence } {
  const [value, setValue] = useState(() => ({ audio: presence(stream, 'audio'), video: presence(stream, 'video') }));
  useEffect(() => {
    const update = () => {
      const next = { audio: presence(stream, 'audio'), video: presence(stream, 'video') };
      setValue((old) =>
        old.audio.present === next.audio.present &&
        old.audio.live === next.audio.live &&
        old.video.present === next.video.present &&
        old.video.live === next.video.live
          ? old
          : next,
      );
    };
    update();
    if (stream === null) return;
    const watched = new Set<MediaStreamTrack>();
    const watch = () => {
      for (const track of stream.getTracks()) {
        if (watched.has(track)) continue;
        watched.add(track);
        track.addEventListener('mute', update);
        track.addEventListener('unmute', update);
        track.addEventListener('ended', update);
      }
      update();
    };
    watch();
    stream.addEventListener('addtrack', watch);
    stream.addEventListener('removetrack', update);
    return () => {
      stream.removeEventListener('addtrack', watch);
      stream.removeEventListener('removetrack', update);
      for (const track of watched) {
        track.removeEventListener('mute', update);
        track.removeEventListener('unmute', update);
        track.removeEventListener('ended', update);
      }
    };
  }, [stream]);
  return value;
}

/** The tile grid for `count` tiles in the element's current box. */
export function useGridLayout(ref: RefObject<HTMLElement | null>, count: number, gap: number): GridLayout {
  const [size, setSize] = useState({ width: 0, height: 0 });
  useEffect(() => {
    const element = ref.current;
    if (element === null) return;
    const measure = () => {
      const box = element.getBoundingClientRect();
      setSize((old) =>
        Math.round(old.width) === Math.round(box.width) && Math.round(old.height) === Math.round(box.height)
          ? old
          : { width: box.width, height: box.height },
      );
    };
    measure();
    const observer = new ResizeObserver(measure);
    observer.observe(element);
    return () => observer.disconnect();
  }, [ref]);
  return bestGrid(count, size.width, size.height, gap);
}

/**
 * A <video> element showing `stream`: the ref to put on it. Autoplay may be refused until the
 * person interacts with the page; it is tried again with the next stream.
 */
export function useVideoStream(stream: MediaStream | null): RefObject<HTMLVideoElement | null> {
  const ref = useRef<HTMLVideoElement>(null);
  useEffect(() => {
    const video = ref.current;
    if (video === null) return;
    if (video.srcObject !== stream) video.srcObject = stream;
    if (stream !== null) video.play().catch(() => {});
  }, [stream]);
  return ref;
}
