/**
 * Wire shapes for tests: a room snapshot as the server sends it (REST state, `room:state`),
 * in the form a server from before event numbers, chat, locks and hands sent it; tests add
 * what they need with spreads.
 */
export const wireSnapshot = {
  room: { id: 'r', code: 'abcd-efgh-jkmn', createdAt: '2026-01-01T00:00:00Z', createdBy: 'a' },
  self: 'a',
  members: [{ id: 'a', displayName: 'Alice', joinedAt: '2026-01-01T00:00:00Z', online: true }],
  call: null,
  files: [],
  iceServers: [],
  iceTransportPolicy: 'all',
  callCapacity: 6,
};
