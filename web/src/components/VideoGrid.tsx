import { useEffect, useId, useRef, useState, type CSSProperties } from 'react';
import { useCall } from '../call/callStore';
import { useCallPeers, useCallSession, useGridLayout, useStreamPresence, useVideoStream } from '../call/hooks';
import { initials } from '../lib/initials';
import { formatBitrate, uploadBudget } from '../rtc/governor';
import type { LinkPath, Quality, StatsDigest } from '../rtc/stats';
import type { PeerState } from '../rtc/types';
import { nameOf, useRoom } from '../store/roomStore';
import { Icon } from './icons';

const GAP = 8;

const QUALITY_TEXT: Record<Quality, string> = {
  connecting: 'Connecting',
  good: 'Good',
  poor: 'Poor',
  reconnecting: 'Reconnecting',
};

const PATH_TEXT: Record<LinkPath, string> = { direct: 'Direct', relay: 'Relayed' };

const PATH_HELP: Record<LinkPath, string> = {
  direct: 'straight between your browser and theirs',
  relay: 'through the relay server (neither of you sees the other\'s address)',
};

/** What one remote tile's badge knows: the link's quality, its path, and the numbers behind them. */
interface LinkInfo {
  quality: Quality;
  path: LinkPath | null;
  stats: StatsDigest | null;
  maxVideoBitrate: number | null;
  /** Everyone we send to in this call, for the upload the whole call needs. */
  peers: number;
}

/**
 * The connection badge: quality and path ("Good · Relayed"), "Reconnecting" while ICE
 * restarts; pressed, the details (round trip, loss, path, what we upload).
 */
function ConnectionBadge({ name, link }: { name: string; link: LinkInfo }) {
  const [open, setOpen] = useState(false);
  const detailsId = useId();
  const { quality, path, stats } = link;
  const connected = quality === 'good' || quality === 'poor';
  const text = connected && path !== null ? `${QUALITY_TEXT[quality]} · ${PATH_TEXT[path]}` : QUALITY_TEXT[quality];
  const ms = (value: number | null) => (value === null ? 'not measured yet' : `${Math.round(value)} ms`);
  const loss = stats?.packetLoss ?? null;
  return (
    <>
      <button
        type="button"
        className={`quality-badge quality-${quality}${path === 'relay' && quality === 'good' ? ' quality-relayed' : ''}`}
        aria-expanded={open}
        aria-controls={detailsId}
        aria-label={`Connection to ${name}: ${text}. Show details`}
        onClick={() => setOpen((v) => !v)}
      >
        <Icon name={path === 'relay' ? 'relay' : 'signal'} className="icon icon-small" />
        <span aria-hidden="true">{text}</span>
      </button>
      {open && (
        <div className="connection-details" id={detailsId} role="group" aria-label={`Connection to ${name}`}>
          <dl>
            <dt>Path</dt>
            <dd>{path === null ? 'Not known yet' : `${PATH_TEXT[path]}, ${PATH_HELP[path]}`}</dd>
            <dt>Round trip</dt>
            <dd>{ms(stats?.rttMs ?? null)}</dd>
            <dt>Packets lost</dt>
            <dd>{loss === null ? 'not measured yet' : `${(loss * 100).toFixed(1)} %`}</dd>
            <dt>Your video to {name}</dt>
            <dd>
              {stats?.outboundVideoBitrate == null ? 'not measured yet' : formatBitrate(stats.outboundVideoBitrate)}
              {link.maxVideoBitrate !== null && ` (at most ${formatBitrate(link.maxVideoBitrate)})`}
            </dd>
            <dt>Upload this call needs</dt>
            <dd>
              up to {formatBitrate(uploadBudget(link.peers))} for {link.peers} {link.peers === 1 ? 'person' : 'people'}
            </dd>
          </dl>
        </div>
      )}
    </>
  );
}

/** A <video> showing a stream; `data-member-id` lets tests find whose it is. */
function StreamVideo({
  stream,
  memberId,
  isSelf,
  mirror,
}: {
  stream: MediaStream | null;
  memberId: string;
  isSelf: boolean;
  mirror: boolean;
}) {
  const ref = useVideoStream(stream);
  return (
    <video
      ref={ref}
      className={`tile-video${mirror ? ' tile-video-mirror' : ''}`}
      data-member-id={memberId}
      autoPlay
      playsInline
      // Our own preview never plays our own sound back.
      muted={isSelf}
    />
  );
}

interface TileProps {
  memberId: string;
  name: string;
  isSelf: boolean;
  stream: MediaStream | null;
  /** Our own mic and camera state; for others it is read from what arrives. */
  micOn?: boolean;
  videoOn?: boolean;
  /**
   * From the peer's stats: whether audio/video kept arriving (a muted mic or a camera turned
   * off sends nothing, and the browser does not mute our receiving track for it).
   */
  audioFlowing?: boolean | null;
  videoFlowing?: boolean | null;
  /** Others' tiles: their link; null for our own. */
  link: LinkInfo | null;
  style: CSSProperties;
  note?: string | null;
  /** Our own camera shows as in a mirror; a shared screen does not. */
  mirror?: boolean;
  handRaised?: boolean;
}

function Tile(props: TileProps) {
  const { memberId, name, isSelf, stream, micOn, videoOn, audioFlowing, videoFlowing, link, style, note, mirror = false } = props;
  const handRaised = props.handRaised === true;
  const presence = useStreamPresence(stream);
  const showVideo = videoOn ?? (presence.video.live && videoFlowing !== false);
  const micMuted = !(micOn ?? (presence.audio.live && audioFlowing !== false));
  const label = isSelf ? `${name} (you)` : name;
  const tile = useRef<HTMLLIElement>(null);
  const session = useCallSession();
  useEffect(() => {
    // Someone's video that is off screen is paused at their end (CallSession.setTileVisible).
    const element = tile.current;
    if (isSelf || element === null || session === null || typeof IntersectionObserver === 'undefined') return;
    const observer = new IntersectionObserver(([entry]) => {
      if (entry !== undefined) session.setTileVisible(memberId, entry.isIntersecting);
    });
    observer.observe(element);
    return () => {
      observer.disconnect();
      session.setTileVisible(memberId, true);
    };
  }, [isSelf, memberId, session]);
  return (
    <li ref={tile} className={`tile${showVideo ? '' : ' tile-no-video'}`} style={style} data-tile-member-id={memberId}>
      <StreamVideo stream={stream} memberId={memberId} isSelf={isSelf} mirror={mirror} />
      {!showVideo && (
        <div className="tile-avatar" aria-hidden="true">
          <span className="avatar avatar-large">{initials(name)}</span>
          {note && <span className="tile-note">{note}</span>}
        </div>
      )}
      {handRaised && <TileHand />}
      <div className="tile-label">
        {micMuted && (
          <span className="tile-mic-off" title="Microphone off">
            <Icon name="micOff" className="icon icon-small" />
            <span className="visually-hidden">Microphone off</span>
          </span>
        )}
        <span className="tile-name">{label}</span>
      </div>
      {link !== null && <ConnectionBadge name={name} link={link} />}
    </li>
  );
}

/** A raised hand on a tile: the icon, and the words for screen readers (and on hover). */
export function TileHand() {
  return (
    <span className="tile-hand" title="Hand raised">
      <Icon name="hand" className="icon" />
      <span className="visually-hidden">Hand raised</span>
    </span>
  );
}

/** The call's tiles, ourselves first, sized so that all of them fit the stage. */
export function VideoGrid() {
  const selfId = useRoom((s) => s.selfId);
  const members = useRoom((s) => s.members);
  const participants = useRoom((s) => s.call?.participants);
  const media = useCall((s) => s.media);
  const peers = useCallPeers();
  const area = useRef<HTMLDivElement>(null);

  const byId = new Map<string, PeerState>(peers.map((p) => [p.memberId, p]));
  const others = (participants ?? []).map((p) => p.memberId).filter((id) => id !== selfId);
  const count = others.length + 1;
  const layout = useGridLayout(area, count, GAP);
  const style: CSSProperties = { width: layout.tileWidth, height: layout.tileHeight };
  const selfName = selfId === null ? 'You' : nameOf(members, selfId);

  return (
    <div className="call-grid-area" ref={area}>
      <ul
        className="call-grid"
        aria-label="Video tiles"
        // Rows wrap after `columns` tiles; a last row that is not full stays centred.
        style={{ width: layout.columns * layout.tileWidth + (layout.columns - 1) * GAP, gap: GAP }}
      >
        {selfId !== null && (
          <Tile
            memberId={selfId}
            name={selfName}
            isSelf
            stream={media.preview}
            micOn={media.micOn}
            videoOn={media.preview !== null}
            link={null}
            style={style}
            mirror={!media.sharing}
            handRaised={members.some((m) => m.id === selfId && m.handRaisedAt !== null)}
            note={media.starting ? 'Starting camera…' : media.preview === null ? 'Camera off' : null}
          />
        )}
        {others.map((memberId) => {
          const peer = byId.get(memberId);
          return (
            <Tile
              key={memberId}
              memberId={memberId}
              name={nameOf(members, memberId)}
              isSelf={false}
              stream={peer?.remoteStream ?? null}
              audioFlowing={peer?.stats?.audioFlowing ?? null}
              videoFlowing={peer?.stats?.videoFlowing ?? null}
              link={{
                quality: peer?.quality ?? 'connecting',
                path: peer?.path ?? null,
                stats: peer?.stats ?? null,
                maxVideoBitrate: peer?.maxVideoBitrate ?? null,
                peers: others.length,
              }}
              style={style}
              handRaised={members.some((m) => m.id === memberId && m.handRaisedAt !== null)}
            />
          );
        })}
      </ul>
    </div>
  );
}
