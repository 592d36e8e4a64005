import { useEffect, useId, useRef, useState } from 'react';
import { canEndForEveryone } from '../call/callPlan';
import { useCall } from '../call/callStore';
import { useCallSession } from '../call/hooks';
import { useRoom } from '../store/roomStore';
import { DeviceSelect } from './DeviceSelect';
import { Icon, type IconName } from './icons';
import { useHandToggle } from './RoomControls';

function ToolButton({
  label,
  icon,
  off = false,
  active = false,
  disabled = false,
  busy = false,
  onClick,
}: {
  label: string;
  icon: IconName;
  /** Shown as "off" (a struck icon on a filled button), besides the label saying so. */
  off?: boolean;
  /** Highlighted while something is going on (sharing the screen). */
  active?: boolean;
  disabled?: boolean;
  /**
   * Waiting for the server: said with aria-busy, not `disabled`, so that keyboard focus stays
   * on the button (a disabled button drops it) and lands on its next label ("Lower hand").
   */
  busy?: boolean;
  onClick(): void;
}) {
  return (
    <button
      type="button"
      className={`tool-button${off ? ' tool-off' : ''}${active ? ' tool-active' : ''}`}
      aria-label={label}
      title={label}
      disabled={disabled}
      aria-busy={busy || undefined}
      onClick={onClick}
    >
      <Icon name={icon} />
    </button>
  );
}


/** "Device settings": choose the camera and the microphone (a modal dialog; Esc closes it). */
function DeviceSettings() {
  const dialog = useRef<HTMLDialogElement>(null);
  const [open, setOpen] = useState(false);
  const cameras = useCall((s) => s.cameras);
  const microphones = useCall((s) => s.microphones);
  const cameraId = useCall((s) => s.cameraId);
  const microphoneId = useCall((s) => s.microphoneId);
  const titleId = useId();
  const session = useCallSession();

  useEffect(() => {
    const element = dialog.current;
    if (element === null) return;
    if (open && !element.open) {
      void session?.refreshDevices();
      element.showModal();
    } else if (!open && element.open) element.close();
  }, [open, session]);

  useEffect(() => {
    // Plugging a headset in or out changes the lists.
    const devices = typeof navigator === 'undefined' ? undefined : navigator.mediaDevices;
    if (devices === undefined || session === null) return;
    const changed = () => void session.refreshDevices();
    devices.addEventListener('devicechange', changed);
    return () => devices.removeEventListener('devicechange', changed);
  }, [session]);

  return (
    <>
      <ToolButton label="Device settings" icon="settings" onClick={() => setOpen(true)} />
      <dialog ref={dialog} className="device-dialog" aria-labelledby={titleId} onClose={() => setOpen(false)}>
        <form method="dialog" className="stack">
          <h2 id={titleId} className="section-title">
            Device settings
          </h2>
          <DeviceSelect
            label="Camera"
            none="No camera found"
            choices={cameras}
            value={cameraId}
            onChange={(id) => void session?.chooseCamera(id)}
          />
          <DeviceSelect
            label="Microphone"
            none="No microphone found"
            choices={microphones}
            value={microphoneId}
            onChange={(id) => void session?.chooseMicrophone(id)}
          />
          <div className="dialog-actions">
            <button type="submit" className="button primary">
              Done
            </button>
          </div>
        </form>
      </dialog>
    </>
  );
}

/** The call's controls, at the bottom of the stage. */
export function CallToolbar() {
  const media = useCall((s) => s.media);
  const call = useRoom((s) => s.call);
  const selfId = useRoom((s) => s.selfId);
  const createdBy = useRoom((s) => s.room?.createdBy ?? null);
  const canEnd = canEndForEveryone(call, selfId, createdBy);
  const starting = media.starting;
  const session = useCallSession();
  const hand = useHandToggle();

  return (
    <div className="call-toolbar" role="group" aria-label="Call controls">
      <div className="call-toolbar-main">
        <ToolButton
          label={media.micOn ? 'Mute microphone' : 'Unmute microphone'}
          icon={media.micOn ? 'mic' : 'micOff'}
          off={!media.micOn}
          disabled={starting}
          onClick={() => void session?.toggleMicrophone()}
        />
        <ToolButton
          label={media.cameraOn ? 'Turn camera off' : 'Turn camera on'}
          icon={media.cameraOn ? 'video' : 'videoOff'}
          off={!media.cameraOn}
          disabled={starting}
          onClick={() => void session?.toggleCamera()}
        />
        {session?.canShareScreen() === true && (
          <ToolButton
            label={media.sharing ? 'Stop sharing' : 'Share screen'}
            icon={media.sharing ? 'screenOff' : 'screen'}
            active={media.sharing}
            disabled={starting}
            onClick={() => void session?.toggleScreenShare()}
          />
        )}
        <ToolButton
          label={hand.raised ? 'Lower hand' : 'Raise hand'}
          icon="hand"
          active={hand.raised}
          busy={hand.busy}
          onClick={hand.toggle}
        />
        <DeviceSettings />
      </div>
      <div className="call-toolbar-end">
        <button type="button" className="button danger" onClick={() => session?.leave()} title="Leave call">
          <Icon name="leave" />
          <span className="button-text">Leave call</span>
        </button>
        {canEnd && (
          <button type="button" className="button danger-quiet" onClick={() => void session?.endForEveryone()}>
            End call for everyone
          </button>
        )}
      </div>
      {hand.problem !== null && (
        <p className="call-toolbar-problem" role="alert">
          {hand.problem}
        </p>
      )}
    </div>
  );
}
