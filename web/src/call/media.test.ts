import { describe, expect, it, vi } from 'vitest';
import { deviceChoices, getCallMedia, mediaProblem, type MediaDevicesLike } from './media';

function domError(name: string): Error {
  const error = new Error(name);
  error.name = name;
  return error;
}

function fakeTrack(kind: 'audio' | 'video') {
  return { kind, stop: vi.fn() } as unknown as MediaStreamTrack;
}

function fakeStream(audio: boolean, video: boolean): MediaStream {
  const a = audio ? [fakeTrack('audio')] : [];
  const v = video ? [fakeTrack('video')] : [];
  return { getAudioTracks: () => a, getVideoTracks: () => v } as unknown as MediaStream;
}

/** getUserMedia that grants only the kinds in `allowed` and fails the rest with `error`. */
function devices(allowed: { audio: boolean; video: boolean }, error = domError('NotAllowedError')): MediaDevicesLike & {
  asked: MediaStreamConstraints[];
} {
  const asked: MediaStreamConstraints[] = [];
  return {
    asked,
    async getUserMedia(constraints) {
      asked.push(constraints);
      if ((constraints.audio && !allowed.audio) || (constraints.video && !allowed.video)) throw error;
      return fakeStream(!!constraints.audio, !!constraints.video);
    },
    async enumerateDevices() {
      return [];
    },
  };
}

describe('getCallMedia', () => {
  it('asks for camera and microphone at once', async () => {
    const d = devices({ audio: true, video: true });
    const got = await getCallMedia(d, { cameraId: null, microphoneId: null });
    expect(d.asked).toHaveLength(1);
    expect(got.audio?.kind).toBe('audio');
    expect(got.video?.kind).toBe('video');
    expect(got.problem).toBeNull();
  });

  it('falls back to the microphone alone when the camera is blocked, and says so', async () => {
    const got = await getCallMedia(devices({ audio: true, video: false }), { cameraId: null, microphoneId: null });
    expect(got.audio).not.toBeNull();
    expect(got.video).toBeNull();
    expect(got.problem?.title).toBe('Your camera is blocked for this site.');
    expect(got.problem?.help).toContain('address bar');
  });

  it('falls back to the camera alone when there is no microphone', async () => {
    const got = await getCallMedia(devices({ audio: false, video: true }, domError('NotFoundError')), {
      cameraId: null,
      microphoneId: null,
    });
    expect(got.audio).toBeNull();
    expect(got.video).not.toBeNull();
    expect(got.problem?.title).toBe('No microphone was found.');
  });

  it('joins with nothing when both are blocked, with words on how to allow them', async () => {
    const got = await getCallMedia(devices({ audio: false, video: false }), { cameraId: 'cam', microphoneId: 'mic' });
    expect(got).toMatchObject({ audio: null, video: null });
    expect(got.problem?.title).toBe('Your camera and microphone are blocked for this site.');
    expect(got.problem?.help).toContain('Camera and Microphone to "Allow"');
  });

  it('asks for the chosen devices exactly', async () => {
    const d = devices({ audio: true, video: true });
    await getCallMedia(d, { cameraId: 'cam-2', microphoneId: 'mic-2' });
    expect(d.asked[0]).toMatchObject({ audio: { deviceId: { exact: 'mic-2' } }, video: { deviceId: { exact: 'cam-2' } } });
  });

  it('explains an insecure page that has no mediaDevices at all', async () => {
    const got = await getCallMedia(null, { cameraId: null, microphoneId: null });
    expect(got.problem?.help).toContain('HTTPS');
  });
});

describe('mediaProblem', () => {
  it('has words for devices in use and a cancelled screen share', () => {
    expect(mediaProblem(domError('NotReadableError'), 'camera').help).toContain('Another app');
    expect(mediaProblem(domError('NotAllowedError'), 'screen').title).toContain('Screen sharing');
    expect(mediaProblem(new Error('?'), 'microphone').title).toBe('Your microphone could not be started.');
  });
});

describe('deviceChoices', () => {
  it('lists cameras and microphones with a label even before permission', () => {
    const list = [
      { kind: 'videoinput', deviceId: 'v1', label: 'Front camera', groupId: '' },
      { kind: 'videoinput', deviceId: 'v2', label: '', groupId: '' },
      { kind: 'audioinput', deviceId: 'a1', label: 'Headset', groupId: '' },
      { kind: 'audiooutput', deviceId: 'o1', label: 'Speakers', groupId: '' },
      { kind: 'audioinput', deviceId: '', label: '', groupId: '' },
    ] as MediaDeviceInfo[];
    expect(deviceChoices(list)).toEqual({
      cameras: [
        { id: 'v1', label: 'Front camera' },
        { id: 'v2', label: 'Camera 2' },
      ],
      microphones: [{ id: 'a1', label: 'Headset' }],
    });
  });
});
