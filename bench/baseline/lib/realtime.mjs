// The WebSocket side: room presence, calls and signalling relay.
import { WebSocketServer } from 'ws'
import { ApiError, fail } from './errors.mjs'
import { newRequestId } from './log.mjs'
import { callJson, memberJson, snapshotJson } from './rooms.mjs'

const MAX_FRAME_BYTES = 64 * 1024
const MAX_BUFFERED_BYTES = 4 * 1024 * 1024 // a reader this far behind is dropped
const PING_INTERVAL_MS = 15_000
const SILENCE_LIMIT_MS = 45_000
const JOIN_DEADLINE_MS = 10_000

const frame = (type, data) => JSON.stringify({ type, data })

function requiredString(data, name) {
  const value = data[name]
  if (typeof value !== 'string' || value === '') fail('bad_request', `${name} must be a non-empty string`)
  return value
}

const isPlainObject = (v) => typeof v === 'object' && v !== null && !Array.isArray(v)

export class Realtime {
  constructor({ rooms, iceServers = [], allowedOrigins = () => [], callGraceSeconds = 20, log = () => {} }) {
    this.rooms = rooms
    this.log = log
    this.iceServers = iceServers
    this.allowedOrigins = allowedOrigins
    this.callGraceMs = callGraceSeconds * 1000
    this.online = new Map() // member id -> Set<Client>
    this.roomMembers = new Map() // room id -> Set<member id> online
    this.grace = new Map() // member id -> timeout
    this.wss = new WebSocketServer({ noServer: true, maxPayload: MAX_FRAME_BYTES })
    this.wss.on('connection', (ws) => this.#connected(ws))
    this.heartbeat = setInterval(() => this.#beat(), PING_INTERVAL_MS)
  }

  // http server 'upgrade' handler
  handleUpgrade(req, socket, head) {
    const { pathname } = new URL(req.url, 'http://localhost')
    if (pathname !== '/ws') return rejectUpgrade(socket, 404, 'not_found', 'No such route')
    const origin = req.headers.origin
    if (origin !== undefined && !this.allowedOrigins().includes(origin)) {
      return rejectUpgrade(socket, 403, 'forbidden', 'Sockets from this origin are not allowed')
    }
    this.wss.handleUpgrade(req, socket, head, (ws) => {
      this.log({ event: 'websocket', request_id: newRequestId(), status: 101, client_ip: req.socket.remoteAddress })
      this.wss.emit('connection', ws, req)
    })
  }

  isOnline = (memberId) => this.online.has(memberId)

  // Events that REST calls cause (file:added), to the room's online sockets.
  publish(roomId, type, data) {
    this.#publish(roomId, type, data)
  }

  close() {
    this.stopping = true
    clearInterval(this.heartbeat)
    for (const timer of this.grace.values()) clearTimeout(timer)
    this.grace.clear()
    for (const ws of this.wss.clients) ws.close(1001, 'server shutting down')
  }

  // ---- connections ----

  #connected(ws) {
    const client = { ws, caller: null, lastSeen: Date.now(), queue: Promise.resolve() }
    ws.client = client
    client.joinTimer = setTimeout(() => {
      if (!client.caller) ws.close(1008, 'room:join expected first')
    }, JOIN_DEADLINE_MS)
    ws.on('pong', () => {
      client.lastSeen = Date.now()
    })
    ws.on('message', (data, isBinary) => {
      client.lastSeen = Date.now()
      if (isBinary) return ws.close(1007, 'text frames only')
      const text = data.toString()
      // Frames of one socket are handled in order, one after the other (room:join awaits
      // the token check).
      client.queue = client.queue.then(() => this.#handle(client, text))
    })
    ws.on('close', () => this.#closed(client))
    ws.on('error', () => {}) // 'close' follows
  }

  #beat() {
    const now = Date.now()
    for (const ws of this.wss.clients) {
      if (now - ws.client.lastSeen >= SILENCE_LIMIT_MS) ws.terminate()
      else ws.ping()
    }
  }

  #closed(client) {
    clearTimeout(client.joinTimer)
    const who = client.caller
    if (!who || !this.#detach(who, client)) return
    this.#publish(who.roomId, 'member:left', { memberId: who.memberId, reason: 'offline' })
    this.#startGrace(who)
  }

  // ---- frames ----

  async #handle(client, text) {
    let rid
    try {
      let msg
      try {
        msg = JSON.parse(text)
      } catch {
        fail('bad_request', 'A frame is a JSON object')
      }
      if (!isPlainObject(msg)) fail('bad_request', 'A frame is a JSON object')
      if (msg.rid !== undefined && msg.rid !== null) {
        if (typeof msg.rid !== 'string' && typeof msg.rid !== 'number') {
          fail('bad_request', 'rid must be a string or a number')
        }
        rid = msg.rid
      }
      if (typeof msg.type !== 'string') fail('bad_request', 'type must be a string')
      const data = msg.data === undefined ? {} : msg.data
      if (!isPlainObject(data)) fail('bad_request', 'data must be an object')
      await this.#dispatch(client, msg.type, data, rid)
    } catch (err) {
      let failure = err
      if (!(err instanceof ApiError)) {
        console.error('realtime frame failed:', err)
        failure = new ApiError('internal', 'Something went wrong on our side')
      }
      const data = { code: failure.code, message: failure.message }
      if (rid !== undefined) data.rid = rid
      this.#send(client, frame('error', data))
    }
  }

  async #dispatch(client, type, data, rid) {
    if (type === 'room:join') return this.#joinRoom(client, data, rid)
    if (!client.caller) fail('unauthorized', 'Send room:join first')
    const who = client.caller
    const room = this.rooms.rooms.get(who.roomId)

    switch (type) {
      case 'room:leave':
        return this.leaveRoom(room, who.memberId)
      case 'call:start': {
        const call = this.rooms.startCall(room, who.memberId)
        return this.#publish(room.id, 'call:started', { call: callJson(call) })
      }
      case 'call:join': {
        const callId = requiredString(data, 'callId')
        const newlyJoined = this.rooms.joinCall(room, who.memberId, callId)
        const joined = { callId, memberId: who.memberId }
        if (newlyJoined) this.#publish(room.id, 'call:participant-joined', joined)
        else this.#send(client, frame('call:participant-joined', joined)) // joining twice is harmless
        return
      }
      case 'call:leave': {
        const callId = requiredString(data, 'callId')
        const left = this.rooms.leaveCall(room, who.memberId, callId)
        return this.#publishCallLeft(room.id, who.memberId, left, 'left')
      }
      case 'call:end': {
        const callId = requiredString(data, 'callId')
        this.rooms.endCall(room, who.memberId, callId)
        return this.#publish(room.id, 'call:ended', { callId, reason: 'ended', endedBy: who.memberId })
      }
      case 'signal:offer':
      case 'signal:answer':
      case 'signal:ice':
        return this.#relaySignal(room, who, type, data)
      default:
        fail('unsupported', 'Unknown event type')
    }
  }

  async #joinRoom(client, data, rid) {
    const token = requiredString(data, 'token')
    const { room, member } = await this.rooms.authenticateToken(token)
    if (client.caller && client.caller.memberId !== member.id) {
      fail('bad_request', 'This socket has joined as someone else')
    }
    let cameOnline = false
    if (!client.caller) {
      client.caller = { roomId: room.id, memberId: member.id }
      clearTimeout(client.joinTimer)
      cameOnline = this.#attach(client.caller, client)
    }
    this.#endGrace(member.id)
    const reply = { type: 'room:state', data: snapshotJson(room, member.id, this.isOnline, this.iceServers) }
    if (rid !== undefined) reply.rid = rid
    this.#send(client, JSON.stringify(reply))
    if (cameOnline) {
      this.#publish(room.id, 'member:joined', { member: memberJson(member, true) }, { except: member.id })
    }
  }

  // Both room:leave and POST /api/rooms/:code/leave: the member leaves for good.
  leaveRoom(room, memberId) {
    const left = this.rooms.leaveCurrentCall(room, memberId)
    this.rooms.markLeft(room.members.get(memberId))
    this.#endGrace(memberId)
    if (left) this.#publishCallLeft(room.id, memberId, left, 'left')
    // Their sockets go without an "offline" announcement.
    const sockets = this.online.get(memberId) ?? new Set()
    this.online.delete(memberId)
    this.roomMembers.get(room.id)?.delete(memberId)
    this.#publish(room.id, 'member:left', { memberId, reason: 'left' }, { except: memberId })
    for (const client of sockets) client.ws.close(1000, 'left the room')
  }

  #relaySignal(room, who, type, data) {
    const to = requiredString(data, 'to')
    const callId = requiredString(data, 'callId')
    const forwarded = { from: who.memberId, callId }
    if (type === 'signal:ice') {
      const candidate = data.candidate ?? null
      if (candidate !== null && !isPlainObject(candidate)) {
        fail('bad_request', 'candidate must be an object or null')
      }
      forwarded.candidate = candidate
    } else {
      forwarded.sdp = requiredString(data, 'sdp')
    }
    const call = room.call
    if (!call || call.id !== callId || !call.participants.has(who.memberId)) {
      fail('not_in_call', 'You are not in this call')
    }
    if (to === who.memberId || !call.participants.has(to)) {
      fail('unknown_peer', 'That member is not in this call')
    }
    this.#publish(room.id, type, forwarded, { only: to })
  }

  // ---- delivery ----

  #send(client, text) {
    const { ws } = client
    if (ws.readyState !== ws.OPEN) return
    if (ws.bufferedAmount > MAX_BUFFERED_BYTES) return ws.terminate() // it reconnects and resyncs
    ws.send(text)
  }

  // To the online sockets of a room; `only` or `except` a member.
  #publish(roomId, type, data, { only, except } = {}) {
    const text = frame(type, data)
    if (only !== undefined) {
      for (const client of this.online.get(only) ?? []) this.#send(client, text)
      return
    }
    for (const memberId of this.roomMembers.get(roomId) ?? []) {
      if (memberId === except) continue
      for (const client of this.online.get(memberId)) this.#send(client, text)
    }
  }

  #publishCallLeft(roomId, memberId, { callId, callEnded }, reason) {
    this.#publish(roomId, 'call:participant-left', { callId, memberId, reason })
    if (callEnded) this.#publish(roomId, 'call:ended', { callId, reason: 'empty' })
  }

  // -> true when this is the member's first socket
  #attach(who, client) {
    let sockets = this.online.get(who.memberId)
    const first = !sockets
    if (first) {
      sockets = new Set()
      this.online.set(who.memberId, sockets)
      let members = this.roomMembers.get(who.roomId)
      if (!members) this.roomMembers.set(who.roomId, (members = new Set()))
      members.add(who.memberId)
    }
    sockets.add(client)
    return first
  }

  // -> true when this was the member's last socket
  #detach(who, client) {
    const sockets = this.online.get(who.memberId)
    if (!sockets?.delete(client) || sockets.size > 0) return false
    this.online.delete(who.memberId)
    const members = this.roomMembers.get(who.roomId)
    members?.delete(who.memberId)
    if (members?.size === 0) this.roomMembers.delete(who.roomId)
    return true
  }

  // A call participant whose last socket dropped keeps their place for the grace period.
  #startGrace(who) {
    if (this.stopping) return
    this.#endGrace(who.memberId)
    const timer = setTimeout(() => {
      this.grace.delete(who.memberId)
      if (this.isOnline(who.memberId)) return
      const room = this.rooms.rooms.get(who.roomId)
      const left = this.rooms.leaveCurrentCall(room, who.memberId)
      if (left) this.#publishCallLeft(room.id, who.memberId, left, 'dropped')
    }, this.callGraceMs)
    this.grace.set(who.memberId, timer)
  }

  #endGrace(memberId) {
    const timer = this.grace.get(memberId)
    if (timer) {
      clearTimeout(timer)
      this.grace.delete(memberId)
    }
  }
}

function rejectUpgrade(socket, status, code, message) {
  const body = JSON.stringify({ error: { code, message } })
  socket.end(
    `HTTP/1.1 ${status} ${status === 403 ? 'Forbidden' : 'Not Found'}\r\n` +
      'Content-Type: application/json\r\n' +
      `Content-Length: ${Buffer.byteLength(body)}\r\n` +
      'Connection: close\r\n\r\n' +
      body,
  )
}
