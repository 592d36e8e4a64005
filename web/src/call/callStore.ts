/**
 * This page's side of the call: whether we are in it, our own media, devices, and the notice
 * to show. The room's call itself (who is in it) lives in the room store; the peers live in
 * the MeshManager and reach React through `useCallPeers`.
 */
import { createStore, useStore } from 'zustand';
import type { MeshManager } from '../rtc/mesh';
import type { CallPhase } from './callPlan';
import type { DeviceChoice } from './media';

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

export interface CallNotice {
  /** `full`: call_full; `media`: camera, microphone or screen; `call`: anything else. */
  kind: 'full' | 'media' | 'call';
  title: string;
  help: string | null;
}

export interface CallSessionState {
  phase: CallPhase;
  callId: string | null;
  /** The media layer while in the call; components read it only through hooks. */
  mesh: MeshManager | null;
  media: LocalMediaState;
  cameras: DeviceChoice[];
  microphones: DeviceChoice[];
  cameraId: string | null;
  microphoneId: string | null;
  notice: CallNotice | null;
}

export const initialMedia: LocalMediaState = {
  starting: false,
  micOn: false,
  cameraOn: false,
  sharing: false,
  preview: null,
};

export const initialCallState: CallSessionState = {
  phase: 'idle',
  callId: null,
  mesh: null,
  media: initialMedia,
  cameras: [],
  microphones: [],
  cameraId: null,
  microphoneId: null,
  notice: null,
};

export const callStore = createStore<CallSessionState>()(() => initialCallState);

export function useCall<T>(selector: (state: CallSessionState) => T): T {
  return useStore(callStore, selector);
}
