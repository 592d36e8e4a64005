/**
 * Camera, microphone and screen: getting them with sensible fallbacks, and saying in words
 * what went wrong (ui.md: "camera or microphone blocked (with how to allow it)").
 * No React and no store; `MediaDevicesLike` is injectable so the fallbacks are tested.
 */

export type DeviceWanted = 'camera' | 'microphone' | 'camera and microphone' | 'screen';

export interface MediaProblem {
  /** One short sentence: what does not work. */
  title: string;
  /** What to do about it. */
  help: string;
}

/** The part of `navigator.mediaDevices` the call uses. */
export interface MediaDevicesLike {
  getUserMedia(constraints: MediaStreamConstraints): Promise<MediaStream>;
  getDisplayMedia?(options?: DisplayMediaStreamOptions): Promise<MediaStream>;
  enumerateDevices(): Promise<MediaDeviceInfo[]>;
}

export function browserMediaDevices(): MediaDevicesLike | null {
  return typeof navigator !== 'undefined' && navigator.mediaDevices !== undefined ? navigator.mediaDevices : null;
}

function errorName(error: unknown): string {
  if (typeof error === 'object' && error !== null && 'name' in error && typeof error.name === 'string') return error.name;
  return '';
}

const capital = (text: string) => text[0]!.toUpperCase() + text.slice(1);

/** Words for a failed getUserMedia/getDisplayMedia. */
export function mediaProblem(error: unknown, what: DeviceWanted): MediaProblem {
  const both = what === 'camera and microphone';
  const them = both ? 'them' : 'it';
  switch (errorName(error)) {
    case 'NotAllowedError':
    case 'PermissionDeniedError':
    case 'SecurityError':
      if (what === 'screen') {
        return { title: 'Screen sharing was cancelled or is blocked.', help: 'Choose "Share screen" again and pick a screen, window or tab to share.' };
      }
      return {
        title: `Your ${what} ${both ? 'are' : 'is'} blocked for this site.`,
        help:
          `To allow ${them}, click the camera or lock icon at the left of the address bar, set ${both ? 'Camera and Microphone' : capital(what)} to "Allow", ` +
          `then ${what === 'microphone' ? 'choose "Unmute microphone"' : what === 'camera' ? 'choose "Turn camera on"' : 'turn them on with the buttons below'}. ` +
          'On a Mac, System Settings → Privacy & Security must allow your browser too.',
      };
    case 'NotFoundError':
    case 'DevicesNotFoundError':
    case 'OverconstrainedError':
      return {
        title: `No ${what} was found.`,
        help: `Connect ${both ? 'a camera or microphone' : `a ${what}`}, then try again. Others can still see and hear you once one works.`,
      };
    case 'NotReadableError':
    case 'TrackStartError':
    case 'AbortError':
      return {
        title: `Your ${what} could not be started.`,
        help: `Another app may be using ${them}. Close it, then try again.`,
      };
    default:
      if (error instanceof Error && error.message === 'insecure') {
        return {
          title: `This page cannot use your ${what}.`,
          help: 'Browsers only allow cameras, microphones and screen sharing on pages served over HTTPS (or localhost).',
        };
      }
      return { title: `Your ${what} could not be started.`, help: 'Try again, or reload the page.' };
  }
}

/** What getUserMedia gave for a call: the tracks we got and, in words, what we did not. */
export interface UserMedia {
  audio: MediaStreamTrack | null;
  video: MediaStreamTrack | null;
  /** Why something we asked for is missing; null when we got all of it. */
  problem: MediaProblem | null;
}

/**
 * In a mesh every caller encodes one stream per peer (up to five), so the camera stays at
 * 640 × 360: sharp enough for tiles, light enough for a laptop with five encoders running.
 */
export const VIDEO_CONSTRAINTS: MediaTrackConstraints = {
  width: { ideal: 640 },
  height: { ideal: 360 },
  frameRate: { ideal: 24, max: 30 },
};

export function cameraConstraints(deviceId: string | null): MediaTrackConstraints {
  return deviceId === null ? VIDEO_CONSTRAINTS : { ...VIDEO_CONSTRAINTS, deviceId: { exact: deviceId } };
}

export function microphoneConstraints(deviceId: string | null): MediaTrackConstraints | true {
  return deviceId === null ? true : { deviceId: { exact: deviceId } };
}

/**
 * Camera and microphone for a call. Asks for both at once (one permission prompt); if that
 * fails, for the microphone alone, then for the camera alone, so a person whose camera is
 * blocked or missing can still talk. Never rejects: what is missing comes back as `problem`.
 */
export async function getCallMedia(
  devices: MediaDevicesLike | null,
  ids: { cameraId: string | null; microphoneId: string | null },
): Promise<UserMedia> {
  if (devices === null) {
    return { audio: null, video: null, problem: mediaProblem(new Error('insecure'), 'camera and microphone') };
  }
  const audio = microphoneConstraints(ids.microphoneId);
  const video = cameraConstraints(ids.cameraId);
  let firstError: unknown;
  try {
    const stream = await devices.getUserMedia({ audio, video });
    return { audio: stream.getAudioTracks()[0] ?? null, video: stream.getVideoTracks()[0] ?? null, problem: null };
  } catch (error) {
    firstError = error;
  }
  try {
    const stream = await devices.getUserMedia({ audio });
    return { audio: stream.getAudioTracks()[0] ?? null, video: null, problem: mediaProblem(firstError, 'camera') };
  } catch (error) {
    try {
      const stream = await devices.getUserMedia({ video });
      return { audio: null, video: stream.getVideoTracks()[0] ?? null, problem: mediaProblem(error, 'microphone') };
    } catch {
      return { audio: null, video: null, problem: mediaProblem(firstError, 'camera and microphone') };
    }
  }
}

/** One device to choose in the settings. */
export interface DeviceChoice {
  id: string;
  label: string;
}

/** Cameras and microphones, with readable labels even before permission is granted. */
export function deviceChoices(devices: readonly MediaDeviceInfo[]): { cameras: DeviceChoice[]; microphones: DeviceChoice[] } {
  const list = (kind: MediaDeviceKind, noun: string) =>
    devices
      .filter((d) => d.kind === kind && d.deviceId !== '')
      .map((d, i) => ({ id: d.deviceId, label: d.label.trim() || `${noun} ${i + 1}` }));
  return { cameras: list('videoinput', 'Camera'), microphones: list('audioinput', 'Microphone') };
}
