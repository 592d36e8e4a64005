/** What went wrong with a call request, in words (ui.md: errors where they happen). */
import { RealtimeError } from '../realtime/socket';
import type { CallNotice } from './callStore';

/** `callCapacity`: this server's, for "This call is full." */
export function callErrorNotice(error: unknown, action: 'start' | 'join' | 'end', callCapacity: number): CallNotice {
  const code = error instanceof RealtimeError ? error.code : '';
  switch (code) {
    case 'call_full': {
      return {
        kind: 'full',
        title: 'This call is full.',
        help: `A call holds up to ${callCapacity} people. You can join as soon as someone leaves.`,
      };
    }
    case 'call_active':
      return { kind: 'call', title: 'Someone else started a call just now.', help: 'Join it with "Join call".' };
    case 'no_active_call':
      return { kind: 'call', title: 'That call has already ended.', help: 'Start a new one with "Start call".' };
    case 'forbidden':
      return {
        kind: 'call',
        title: 'Only the person who started the call or created the room can end it for everyone.',
        help: 'You can leave it with "Leave call".',
      };
    case 'not_connected':
    case 'disconnected':
    case 'closed':
      return { kind: 'call', title: 'You are offline right now.', help: 'Try again once the room has reconnected.' };
    case 'timeout':
      return { kind: 'call', title: 'The server did not answer in time.', help: 'Try again in a moment.' };
    default: {
      const what = action === 'start' ? 'start the call' : action === 'join' ? 'join the call' : 'end the call';
      return { kind: 'call', title: `Could not ${what}.`, help: 'Try again in a moment.' };
    }
  }
}
