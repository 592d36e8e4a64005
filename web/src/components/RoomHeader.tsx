import { useState } from 'react';
import { formatRoomCode, roomPath } from '../lib/roomCode';
import { navigate } from '../lib/router';
import { leaveCurrentRoom, reconnectNow } from '../store/roomSession';
import { useRoom } from '../store/roomStore';
import { Brand } from './Brand';
import { CopyLinkButton } from './CopyLinkButton';
import { Icon } from './icons';
import { HeaderRoomControls } from './RoomControls';

/** Room code (easy to read aloud), "Copy link", connection status, "Leave room". */
export function RoomHeader({ code, showCopy }: { code: string; showCopy: boolean }) {
  const inRoom = useRoom((s) => s.phase.kind === 'in-room');
  const reconnecting = useRoom((s) => s.connection === 'reconnecting' && s.phase.kind === 'in-room');
  const unreachable = useRoom((s) => s.connection === 'unreachable' && s.phase.kind === 'in-room');
  const relayOnly = useRoom((s) => s.phase.kind === 'in-room' && s.ice.iceTransportPolicy === 'relay');
  const [leaving, setLeaving] = useState(false);
  const url = `${window.location.origin}${roomPath(code)}`;

  function leave() {
    setLeaving(true);
    void leaveCurrentRoom();
    navigate('/');
  }

  return (
    <header className="room-header">
      <Brand />
      <div className="room-id">
        <span className="room-id-label">Room</span>
        <span className="room-code">{formatRoomCode(code)}</span>
      </div>
      {relayOnly && (
        <p className="privacy-note" title="Calls here always go through the relay server">
          <Icon name="relay" className="icon icon-small" />
          Private calls: people never see each other's network address
        </p>
      )}
      <div className="room-header-actions">
        {reconnecting && (
          <span className="connection-status" role="status">
            <span className="spinner" aria-hidden="true" />
            Reconnecting…
          </span>
        )}
        {unreachable && (
          <span className="connection-status" role="status">
            Can't reach the server. Still trying…
            <button type="button" className="button secondary small" onClick={reconnectNow}>
              Try again
            </button>
          </span>
        )}
        {inRoom && <HeaderRoomControls />}
        {showCopy && <CopyLinkButton url={url} />}
        {inRoom && (
          <button type="button" className="button danger-quiet" onClick={leave} disabled={leaving}>
            Leave room
          </button>
        )}
      </div>
    </header>
  );
}
