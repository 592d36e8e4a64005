import { useState } from 'react';
import { commandErrorText, lockRoom, lowerHand, raiseHand } from '../store/roomCommands';
import { isInCall, useRoom } from '../store/roomStore';
import { Icon } from './icons';

/** Our own hand: whether it is up, and "Raise hand"/"Lower hand" with its problems in words. */
export function useHandToggle() {
  const raised = useRoom((s) => s.members.find((m) => m.id === s.selfId)?.handRaisedAt != null);
  const [busy, setBusy] = useState(false);
  const [problem, setProblem] = useState<string | null>(null);

  async function toggle() {
    if (busy) return;
    setBusy(true);
    setProblem(null);
    try {
      await (raised ? lowerHand() : raiseHand());
    } catch (error) {
      setProblem(commandErrorText(error));
    } finally {
      setBusy(false);
    }
  }

  return { raised, busy, problem, toggle: () => void toggle() };
}

export interface HeaderRoomControlsViewProps {
  locked: boolean;
  /** We created the room: "Lock room" / "Unlock room". */
  isCreator: boolean;
  /** Not in the call: the hand is raised from here (in a call, from the call toolbar). */
  showHand: boolean;
  handRaised: boolean;
  lockBusy: boolean;
  handBusy: boolean;
  problem: string | null;
  onToggleLock(): void;
  onToggleHand(): void;
}

/** In the room header: "Locked" for everyone, the lock for the creator, the hand outside a call. */
export function HeaderRoomControlsView(props: HeaderRoomControlsViewProps) {
  const { locked, isCreator, showHand, handRaised, lockBusy, handBusy, problem } = props;
  return (
    <>
      {locked && (
        <span className="locked-badge" title="Only people already in the room can come in">
          <Icon name="lock" className="icon icon-small" />
          Locked
        </span>
      )}
      {showHand && (
        <button
          type="button"
          className={`button secondary${handRaised ? ' button-pressed' : ''}`}
          onClick={props.onToggleHand}
          aria-busy={handBusy || undefined}
        >
          <Icon name="hand" className="icon icon-small" />
          {handRaised ? 'Lower hand' : 'Raise hand'}
        </button>
      )}
      {isCreator && (
        <button type="button" className="button secondary" onClick={props.onToggleLock} aria-busy={lockBusy || undefined}>
          <Icon name={locked ? 'unlock' : 'lock'} className="icon icon-small" />
          {locked ? 'Unlock room' : 'Lock room'}
        </button>
      )}
      {problem !== null && (
        <p className="header-problem form-error" role="alert">
          {problem}
        </p>
      )}
    </>
  );
}

export function HeaderRoomControls() {
  const locked = useRoom((s) => s.room?.locked === true);
  const isCreator = useRoom((s) => s.selfId !== null && s.room?.createdBy === s.selfId);
  const inCall = useRoom((s) => isInCall(s.call, s.selfId));
  const hand = useHandToggle();
  const [lockBusy, setLockBusy] = useState(false);
  const [lockProblem, setLockProblem] = useState<string | null>(null);

  async function toggleLock() {
    if (lockBusy) return;
    setLockBusy(true);
    setLockProblem(null);
    try {
      await lockRoom(!locked);
    } catch (error) {
      setLockProblem(commandErrorText(error));
    } finally {
      setLockBusy(false);
    }
  }

  return (
    <HeaderRoomControlsView
      locked={locked}
      isCreator={isCreator}
      showHand={!inCall}
      handRaised={hand.raised}
      lockBusy={lockBusy}
      handBusy={hand.busy}
      problem={lockProblem ?? hand.problem}
      onToggleLock={() => void toggleLock()}
      onToggleHand={hand.toggle}
    />
  );
}
