/**
 * This page's side of the call: whether we are in it, our own media, the pre-join preview,
 * devices, and the notice to show. The room's call itself (who is in it) lives in the room
 * store; the peers live in the media layer and reach React through `useCallPeers`. The
 * CallSession (callSession.ts) is the only writer; components read and call its methods.
 */
import { createStore, useStore } from 'zustand';
import type { CallMedia } from '../rtc/types';
import type { CallPhase } from './callPlan';
import type { CallSession } from './callSession';
import type { DeviceChoice, MediaProblem } from './media';

export interface LocalMediaState {
  /** Asking for camera and microphone on entering the call. */
  starting: boolean;
  /** Sending audio. */
  micOn: boolean;
  /** The camera is on (it may be hidden behind a screen share). */
  cameraOn: boolean;
  sharing: boolean;
  /** What the self tile shows: the shared screen or the camera; null when no video goes out. */
  preview: MediaStream | null;
}

/** Camera and microphone opened before joining, kept for the call so joining waits for nothing. */
export interface PrejoinState {
  /** Camera (video) and microphone (audio) tracks, for the preview and the level meter. */
  stream: MediaStream | null;
  starting: boolean;
  /** What is missing (blocked, not found), in words with how to allow it. */
  problem: MediaProblem | null;
}

export interface CallNotice {
  /** `full`: call_full; `media`: camera, microphone or screen; `call`: anything else. */
  kind: 'full' | 'media' | 'call';
  title: string;
  help: string | null;
}

export interface CallSessionState {
  /** The room's call session while the room page is open; components call its methods. */
  session: CallSession | null;
  phase: CallPhase;
  callId: string | null;
  /** The media layer while in the call; components read it only through hooks. */
  callMedia: CallMedia | null;
  media: LocalMediaState;
  prejoin: PrejoinState;
  cameras: DeviceChoice[];
  microphones: DeviceChoice[];
  cameraId: string | null;
  microphoneId: string | null;
  notice: CallNotice | null;
  /** Per peer: ms from "Join call" (or from their joining after us) to their first video frame. */
  firstMediaMs: Record<string, number>;
}

export const initialMedia: LocalMediaState = {
  starting: false,
  micOn: false,
  cameraOn: false,
  sharing: false,
  preview: null,
};

export const initialPrejoin: PrejoinState = { stream: null, starting: false, problem: null };

export const initialCallState: CallSessionState = {
  session: null,
  phase: 'idle',
  callId: null,
  callMedia: null,
  media: initialMedia,
  prejoin: initialPrejoin,
  cameras: [],
  microphones: [],
  cameraId: null,
  microphoneId: null,
  notice: null,
  firstMediaMs: {},
};

export const callStore = createStore<CallSessionState>()(() => initialCallState);

export function useCall<T>(selector: (state: CallSessionState) => T): T {
  return useStore(callStore, selector);
}
