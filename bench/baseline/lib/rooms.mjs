// Rooms, members, calls and guest tokens, kept in memory.
import { randomBytes, randomUUID } from 'node:crypto'
import { sign, verify } from 'hono/jwt'
import { JwtTokenExpired } from 'hono/utils/jwt/types'
import { fail } from './errors.mjs'

// Crockford base32, lowercase: 12 characters carry 60 random bits.
const ALPHABET = '0123456789abcdefghjkmnpqrstvwxyz'
const CODE_LENGTH = 12
const IAT_LEEWAY_S = 60

export function generateRoomCode() {
  // 256 is a multiple of 32, so each byte's low 5 bits are uniform over the alphabet.
  const bytes = randomBytes(CODE_LENGTH)
  let code = ''
  for (const b of bytes) code += ALPHABET[b & 31]
  return code
}

// What a person typed -> canonical code, or null when it cannot be one.
export function canonicalRoomCode(typed) {
  const code = typed
    .toLowerCase()
    .replace(/[- ]/g, '')
    .replace(/o/g, '0')
    .replace(/[il]/g, '1')
  if (code.length !== CODE_LENGTH) return null
  for (const c of code) if (!ALPHABET.includes(c)) return null
  return code
}

export const displayRoomCode = (code) => `${code.slice(0, 4)}-${code.slice(4, 8)}-${code.slice(8)}`

const EDGE_SPACE = /^[ \t\n\r\u00a0\u2000-\u200a\u202f\u205f\u3000\ufeff]+|[ \t\n\r\u00a0\u2000-\u200a\u202f\u205f\u3000\ufeff]+$/g
// C0, DEL, C1, line/paragraph separators and the bidirectional overrides.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/

export function validateDisplayName(raw) {
  if (!raw.isWellFormed()) fail('invalid_display_name', 'Display name is not valid UTF-8 text')
  const name = raw.replace(EDGE_SPACE, '')
  if (name.length === 0) fail('invalid_display_name', 'Display name must not be empty')
  if ([...name].length > 64) fail('invalid_display_name', 'Display name must be at most 64 characters')
  if (CONTROL.test(name)) fail('invalid_display_name', 'Display name must not contain control characters')
  return name
}

const iso = (ms) => new Date(ms).toISOString()

export class RoomService {
  constructor({ secret, tokenTtlSeconds = 12 * 60 * 60, callCapacity = 6 }) {
    this.secret = secret
    this.tokenTtlSeconds = tokenTtlSeconds
    this.callCapacity = callCapacity
    this.rooms = new Map() // id -> room
    this.roomsByCode = new Map() // canonical code -> room
    this.members = new Map() // id -> member
  }

  // ---- rooms and members ----

  createRoom(displayName) {
    const now = Date.now()
    let code
    do code = generateRoomCode()
    while (this.roomsByCode.has(code))
    const room = { id: randomUUID(), code, createdAt: now, createdBy: null, members: new Map(), call: null, files: [] }
    const member = this.#addMember(room, displayName, now)
    room.createdBy = member.id
    this.rooms.set(room.id, room)
    this.roomsByCode.set(code, room)
    return this.#admit(room, member)
  }

  async joinRoom(typedCode, displayName, bearer) {
    if (bearer !== undefined) {
      const { room, member } = await this.authenticate(typedCode, bearer)
      if (displayName !== undefined) member.displayName = displayName
      return this.#admit(room, member)
    }
    const room = this.findRoom(typedCode)
    if (displayName === undefined) fail('bad_request', 'displayName is required')
    return this.#admit(room, this.#addMember(room, displayName, Date.now()))
  }

  findRoom(typedCode) {
    const code = canonicalRoomCode(typedCode)
    if (!code) fail('room_not_found', 'No room has this code')
    const room = this.roomsByCode.get(code)
    if (!room) fail('room_not_found', `No room has code ${displayRoomCode(code)}`)
    return room
  }

  // REST: the room exists (404), the token is valid (401), for this room (403), not left (401).
  async authenticate(typedCode, bearer) {
    const room = this.findRoom(typedCode)
    if (bearer === undefined) fail('unauthorized', 'This call needs a guest token')
    const claims = await this.verifyToken(bearer)
    if (claims.room !== room.id) fail('forbidden', 'This token belongs to another room')
    const member = room.members.get(claims.sub)
    if (!member) fail('unauthorized', 'The token is invalid')
    if (member.leftAt) fail('unauthorized', 'You have left this room')
    return { room, member }
  }

  // WebSocket room:join: the token alone names the room.
  async authenticateToken(token) {
    const claims = await this.verifyToken(token)
    const room = this.rooms.get(claims.room)
    const member = room?.members.get(claims.sub)
    if (!member) fail('unauthorized', 'The token is invalid')
    if (member.leftAt) fail('unauthorized', 'You have left this room')
    return { room, member }
  }

  markLeft(member) {
    member.leftAt = Date.now()
  }

  #addMember(room, displayName, now) {
    const member = { id: randomUUID(), roomId: room.id, displayName, joinedAt: now, leftAt: null }
    room.members.set(member.id, member)
    this.members.set(member.id, member)
    return member
  }

  async #admit(room, member) {
    const iat = Math.floor(Date.now() / 1000)
    const exp = iat + this.tokenTtlSeconds
    const token = await sign({ sub: member.id, room: room.id, iat, exp }, this.secret, 'HS256')
    return { room, member, token, expiresAt: exp * 1000 }
  }

  // ---- tokens ----

  async verifyToken(token) {
    if (typeof token !== 'string' || token.length === 0 || token.length > 4096) {
      fail('unauthorized', 'The token is missing or malformed')
    }
    let claims
    try {
      // HS256 only; exp is checked here, iat below (with leeway).
      claims = await verify(token, this.secret, { alg: 'HS256', iat: false })
    } catch (err) {
      if (err instanceof JwtTokenExpired) fail('unauthorized', 'The token has expired')
      fail('unauthorized', 'The token is invalid')
    }
    const { sub, room, iat, exp } = claims
    if (typeof sub !== 'string' || !sub || typeof room !== 'string' || !room) {
      fail('unauthorized', 'The token is invalid')
    }
    if (!Number.isInteger(iat) || !Number.isInteger(exp)) fail('unauthorized', 'The token is invalid')
    if (iat > Date.now() / 1000 + IAT_LEEWAY_S) fail('unauthorized', 'The token is not valid yet')
    return claims
  }

  // ---- calls ----

  startCall(room, memberId) {
    if (room.call) fail('call_active', 'A call is already running in this room')
    const now = Date.now()
    room.call = {
      id: randomUUID(),
      startedBy: memberId,
      startedAt: now,
      participants: new Map([[memberId, now]]), // member id -> joinedAt
    }
    return room.call
  }

  // A stale call id (from before a reconnect, or from another room) is no_active_call.
  activeCallNamed(room, callId) {
    if (!room.call || room.call.id !== callId) {
      fail('no_active_call', 'There is no such call running in this room')
    }
    return room.call
  }

  // -> true when newly joined, false when already in.
  joinCall(room, memberId, callId) {
    const call = this.activeCallNamed(room, callId)
    if (call.participants.has(memberId)) return false
    if (call.participants.size >= this.callCapacity) {
      fail('call_full', `The call is full (${this.callCapacity} people at most)`)
    }
    call.participants.set(memberId, Date.now())
    return true
  }

  // -> { callId, callEnded }
  leaveCall(room, memberId, callId) {
    const call = this.activeCallNamed(room, callId)
    if (!call.participants.has(memberId)) fail('not_in_call', 'You are not in this call')
    return this.#removeParticipant(room, memberId)
  }

  // Leaves whatever call the member is in -> { callId, callEnded } or null.
  leaveCurrentCall(room, memberId) {
    if (!room.call?.participants.has(memberId)) return null
    return this.#removeParticipant(room, memberId)
  }

  endCall(room, memberId, callId) {
    const call = this.activeCallNamed(room, callId)
    if (memberId !== call.startedBy && memberId !== room.createdBy) {
      fail('forbidden', "Only the person who started the call or the room's creator can end it")
    }
    room.call = null
  }

  #removeParticipant(room, memberId) {
    const call = room.call
    call.participants.delete(memberId)
    const callEnded = call.participants.size === 0
    if (callEnded) room.call = null
    return { callId: call.id, callEnded }
  }
}

// ---- JSON views (same shapes as Parlor's api/views.cpp) ----

export function admissionJson({ room, member, token, expiresAt }, iceServers) {
  return {
    room: { id: room.id, code: displayRoomCode(room.code), createdAt: iso(room.createdAt) },
    member: { id: member.id, displayName: member.displayName },
    token,
    expiresAt: iso(expiresAt),
    iceServers,
  }
}

export const memberJson = (member, online) => ({
  id: member.id,
  displayName: member.displayName,
  joinedAt: iso(member.joinedAt),
  online,
})

export const callJson = (call) => ({
  id: call.id,
  startedBy: call.startedBy,
  startedAt: iso(call.startedAt),
  participants: [...call.participants].map(([memberId, joinedAt]) => ({ memberId, joinedAt: iso(joinedAt) })),
})

// A complete file as the protocol shows it (`room.files`: complete files, oldest first).
export const fileJson = (file, room) => ({
  id: file.id,
  filename: file.filename,
  mimeType: file.mimeType,
  sizeBytes: file.sizeBytes,
  sha256: file.sha256,
  uploader: { id: file.uploaderId, displayName: room.members.get(file.uploaderId)?.displayName ?? '' },
  createdAt: iso(file.completedAt ?? file.preparedAt),
})

export function snapshotJson(room, selfId, isOnline, iceServers) {
  const members = []
  for (const member of room.members.values()) {
    if (!member.leftAt) members.push(memberJson(member, isOnline(member.id)))
  }
  return {
    room: { id: room.id, code: displayRoomCode(room.code), createdAt: iso(room.createdAt), createdBy: room.createdBy },
    self: selfId,
    members,
    call: room.call ? callJson(room.call) : null,
    files: room.files.map((file) => fileJson(file, room)),
    iceServers,
  }
}
