// Protocol self-check, run against the Node baseline (default) or Parlor itself, so that
// both are shown to speak the same protocol:
//
//   node --test bench/baseline/selftest.mjs                     # baseline
//   SELFTEST_TARGET=parlor node --test bench/baseline/selftest.mjs
//   node bench/baseline/selftest.mjs --target parlor            # same, without the runner
//
// PARLOR_BIN overrides the Parlor binary (default server/build/parlor of this checkout).
import assert from 'node:assert/strict'
import { createHash, randomBytes } from 'node:crypto'
import { rmSync } from 'node:fs'
import { request as httpRequest } from 'node:http'
import { after, before, describe, test } from 'node:test'
import WebSocket from 'ws'

import {
  Client,
  RFC3339,
  UUID,
  api,
  assertAdmission,
  assertError,
  createRoom,
  endpoint,
  joinRoom,
  startServer,
  target,
} from './selftest_support.mjs'

let server, dataDir

// ---- the checks ----

describe(`protocol self-check against ${target}`, () => {
  before(async () => {
    const started = await startServer()
    server = started.child
    dataDir = started.dataDir
  })

  after(async () => {
    if (server && server.exitCode === null) {
      const exited = new Promise((r) => server.once('exit', r))
      server.kill('SIGTERM')
      await exited
    }
    if (dataDir) rmSync(dataDir, { recursive: true, force: true })
  })

  describe('REST', () => {
    test('create a room: 201 with room, member, token, expiresAt, iceServers', async () => {
      const res = await api('POST', '/api/rooms', { body: { displayName: '  Ann  ' } })
      assert.equal(res.status, 201)
      assertAdmission(res.body, 'Ann')
    })

    test('join a room: 200, same shape, same room, new member; code typed loosely', async () => {
      const created = await createRoom('Ann')
      const loose = created.room.code.replaceAll('-', '').toUpperCase()
      const res = await api('POST', `/api/rooms/${loose}/join`, { body: { displayName: 'Bob' } })
      assert.equal(res.status, 200)
      assertAdmission(res.body, 'Bob')
      assert.deepEqual(res.body.room, created.room)
      assert.notEqual(res.body.member.id, created.member.id)
    })

    test('rejoin with a token keeps the member; a token for another room is 403', async () => {
      const created = await createRoom('Ann')
      const other = await createRoom('Zed')
      const again = await api('POST', `/api/rooms/${created.room.code}/join`, { token: created.token })
      assert.equal(again.status, 200)
      assert.equal(again.body.member.id, created.member.id)
      const cross = await api('POST', `/api/rooms/${created.room.code}/join`, { token: other.token, body: {} })
      assertError(cross, 403, 'forbidden')
      const bogus = await api('POST', `/api/rooms/${created.room.code}/join`, { token: created.token + 'x', body: {} })
      assertError(bogus, 401, 'unauthorized')
    })

    test('displayName validation', async () => {
      const { room } = await createRoom('Ann')
      for (const bad of ['', '   ', 'x'.repeat(65), 'a\u0007b', 'a\u202eb', 'tab\there']) {
        assertError(await api('POST', '/api/rooms', { body: { displayName: bad } }), 400, 'invalid_display_name')
        assertError(await api('POST', `/api/rooms/${room.code}/join`, { body: { displayName: bad } }), 400, 'invalid_display_name')
      }
      assertAdmission((await api('POST', '/api/rooms', { body: { displayName: 'é'.repeat(64) } })).body, 'é'.repeat(64))
      assertError(await api('POST', '/api/rooms', { body: {} }), 400, 'bad_request')
      assertError(await api('POST', '/api/rooms', { body: { displayName: 7 } }), 400, 'bad_request')
      assertError(await api('POST', '/api/rooms', { raw: '{"displayName":' }), 400, 'bad_request')
      assertError(await api('POST', '/api/rooms', { raw: '["Ann"]' }), 400, 'bad_request')
      assertError(await api('POST', `/api/rooms/${room.code}/join`, { body: {} }), 400, 'bad_request')
    })

    test('unknown or impossible room codes are 404 room_not_found', async () => {
      assertError(await api('POST', '/api/rooms/0000-0000-0000/join', { body: { displayName: 'Bob' } }), 404, 'room_not_found')
      assertError(await api('POST', '/api/rooms/not-a-code/join', { body: { displayName: 'Bob' } }), 404, 'room_not_found')
    })
  })

  describe('Files', () => {
    const sha256 = (bytes) => createHash('sha256').update(bytes).digest('hex')
    const prepare = (room, token, body) => api('POST', `/api/rooms/${room.room.code}/files/prepare`, { token, body })
    const complete = (room, token, fileId) => api('POST', `/api/rooms/${room.room.code}/files/complete`, { token, body: { fileId } })
    const put = (url, bytes) => fetch(url, { method: 'PUT', body: bytes })
    // A PUT that sends its body only once the server asks for it (Expect: 100-continue): a
    // server may refuse an upload from its headers and close the connection unread.
    const refusedPut = (url, length) =>
      new Promise((resolve, reject) => {
        const req = httpRequest(url, { method: 'PUT', headers: { 'content-length': length, expect: '100-continue' } })
        req.on('continue', () => reject(new Error('the server asked for the body of a PUT it should refuse')))
        req.on('response', async (res) => {
          let text = ''
          for await (const chunk of res) text += chunk
          req.destroy()
          resolve({ status: res.statusCode, body: JSON.parse(text) })
        })
        req.on('error', reject)
        req.flushHeaders()
      })

    test('prepare, PUT to the signed link, complete, file:added, list, download the same bytes', async () => {
      const ann = await createRoom('Ann')
      const bob = await joinRoom(ann.room.code, 'Bob')
      const { client: b } = await Client.joined(bob.token)
      const bytes = randomBytes(3 * 1024 * 1024 + 17)
      const prepared = await prepare(ann, ann.token, {
        filename: 'some/dir/Notes ü.bin',
        mimeType: 'Application/Octet-Stream; x=1',
        sizeBytes: bytes.length,
        sha256: sha256(bytes).toUpperCase(),
      })
      assert.equal(prepared.status, 201, JSON.stringify(prepared.body))
      assert.deepEqual(Object.keys(prepared.body).sort(), ['fileId', 'upload'])
      const { fileId, upload } = prepared.body
      assert.match(fileId, UUID)
      assert.deepEqual(Object.keys(upload).sort(), ['expiresAt', 'headers', 'method', 'url'])
      assert.equal(upload.method, 'PUT')
      assert.deepEqual(upload.headers, {})
      assert.match(upload.expiresAt, RFC3339)
      assert.ok(upload.url.startsWith(endpoint.base + '/'), upload.url)

      assertError(await complete(ann, ann.token, fileId), 409, 'upload_incomplete') // no bytes yet
      assertError(await refusedPut(upload.url, bytes.length - 1), 400, 'bad_request') // wrong length
      assertError(await refusedPut(upload.url.replace(/sig=./, 'sig=x'), bytes.length), 403, 'forbidden')
      const stored = await put(upload.url, bytes)
      assert.ok([200, 204].includes(stored.status), `PUT answered ${stored.status}`)
      assertError(await refusedPut(upload.url, bytes.length), 403, 'forbidden') // a link uploads once
      assertError(await complete(ann, bob.token, fileId), 403, 'forbidden') // only the uploader

      const done = await complete(ann, ann.token, fileId)
      assert.equal(done.status, 201, JSON.stringify(done.body))
      const file = done.body.file
      assert.deepEqual(file, {
        id: fileId,
        filename: 'Notes ü.bin',
        mimeType: 'application/octet-stream',
        sizeBytes: bytes.length,
        sha256: sha256(bytes),
        uploader: { id: ann.member.id, displayName: 'Ann' },
        createdAt: file.createdAt,
      })
      assert.match(file.createdAt, RFC3339)
      assert.deepEqual((await b.next('file:added')).data, { file })
      const again = await complete(ann, ann.token, fileId)
      assert.equal(again.status, 200)
      assert.deepEqual(again.body.file, file)
      assert.deepEqual((await api('GET', `/api/rooms/${ann.room.code}/files`, { token: bob.token })).body, { files: [file] })
      assert.deepEqual((await api('GET', `/api/rooms/${ann.room.code}/state`, { token: bob.token })).body.files, [file])

      const link = await api('GET', `/api/files/${fileId}/download`, { token: bob.token })
      assert.equal(link.status, 200, JSON.stringify(link.body))
      assert.deepEqual(Object.keys(link.body).sort(), ['expiresAt', 'url'])
      const got = await fetch(link.body.url)
      assert.equal(got.status, 200)
      assert.equal(got.headers.get('content-length'), String(bytes.length))
      assert.ok(Buffer.from(await got.arrayBuffer()).equals(bytes), 'the downloaded bytes differ')
      const part = await fetch(link.body.url, { headers: { range: 'bytes=10-19' } })
      assert.equal(part.status, 206)
      assert.ok(Buffer.from(await part.arrayBuffer()).equals(bytes.subarray(10, 20)))
      const stranger = await createRoom('Zed')
      assertError(await api('GET', `/api/files/${fileId}/download`, { token: stranger.token }), 404, 'file_not_found')
      await b.close()
    })

    test('bytes that are not the declared ones: checksum_mismatch, and no file appears', async () => {
      const ann = await createRoom('Ann')
      const bytes = randomBytes(100_000)
      const prepared = await prepare(ann, ann.token, {
        filename: 'a.bin',
        mimeType: '',
        sizeBytes: bytes.length,
        sha256: sha256(Buffer.from('something else')),
      })
      assert.equal(prepared.status, 201)
      assert.ok([200, 204].includes((await put(prepared.body.upload.url, bytes)).status))
      assertError(await complete(ann, ann.token, prepared.body.fileId), 422, 'checksum_mismatch')
      assert.deepEqual((await api('GET', `/api/rooms/${ann.room.code}/files`, { token: ann.token })).body, { files: [] })
      assertError(await api('GET', `/api/files/${prepared.body.fileId}/download`, { token: ann.token }), 404, 'file_not_found')
    })

    test('prepare checks its fields', async () => {
      const ann = await createRoom('Ann')
      const good = { filename: 'a.bin', mimeType: 'text/plain', sizeBytes: 10, sha256: 'ab'.repeat(32) }
      assertError(await prepare(ann, ann.token, { ...good, sizeBytes: 200 * 1024 * 1024 }), 413, 'payload_too_large')
      assertError(await prepare(ann, ann.token, { ...good, sizeBytes: -1 }), 400, 'bad_request')
      assertError(await prepare(ann, ann.token, { ...good, sha256: 'abc' }), 400, 'bad_request')
      assertError(await prepare(ann, ann.token, { ...good, filename: '..' }), 400, 'bad_request')
      assertError(await prepare(ann, ann.token, { ...good, mimeType: 'nonsense' }), 400, 'bad_request')
      assertError(await prepare(ann, undefined, good), 401, 'unauthorized')
      assertError(await api('POST', `/api/rooms/${ann.room.code}/files/complete`, { token: ann.token, body: { fileId: '00000000-0000-4000-8000-000000000000' } }), 404, 'file_not_found')
    })
  })

  describe('WebSocket', () => {
    let ann, bob, cat // admissions: ann created the room, bob and cat joined
    let a, b, c // their sockets
    let callId

    before(async () => {
      ann = await createRoom('Ann')
      bob = await joinRoom(ann.room.code, 'Bob')
      cat = await joinRoom(ann.room.code, 'Cat')
    })

    after(async () => {
      for (const s of [a, b, c]) if (s) await s.close()
    })

    test('frames before room:join are unauthorized; bad JSON is bad_request', async () => {
      const s = await Client.open()
      s.send('call:start', {}, 'early')
      assert.equal((await s.error('early')).code, 'unauthorized')
      s.ws.send('{not json')
      assert.equal((await s.next('error')).data.code, 'bad_request')
      s.ws.send(JSON.stringify({ type: 'room:join', data: [], rid: 9 }))
      assert.deepEqual(Object.keys(await s.error(9)).sort(), ['code', 'message', 'rid'])
      assert.equal(s.ws.readyState, WebSocket.OPEN) // the socket stays open
      await s.close()
    })

    test('room:join answers room:state (rid echoed in the envelope)', async () => {
      a = await Client.open()
      a.send('room:join', { token: ann.token }, 'r1')
      const { frame, raw } = await a.nextRaw('room:state')
      assert.deepEqual(Object.keys(JSON.parse(raw)).sort(), ['data', 'rid', 'type'])
      assert.equal(frame.rid, 'r1')
      const state = frame.data
      assert.deepEqual(Object.keys(state).sort(), ['call', 'files', 'iceServers', 'members', 'room', 'self'])
      assert.deepEqual(state.room, { ...ann.room, createdBy: ann.member.id })
      assert.equal(state.self, ann.member.id)
      assert.equal(state.call, null)
      assert.deepEqual(state.files, [])
      assert.deepEqual(state.iceServers, [])
      const byId = Object.fromEntries(state.members.map((m) => [m.id, m]))
      assert.equal(state.members.length, 3)
      assert.equal(byId[ann.member.id].online, true)
      assert.equal(byId[bob.member.id].online, false)
      assert.deepEqual(Object.keys(byId[bob.member.id]).sort(), ['displayName', 'id', 'joinedAt', 'online'])
      assert.equal(byId[bob.member.id].displayName, 'Bob')
      assert.match(byId[bob.member.id].joinedAt, RFC3339)
    })

    test('member:joined goes to the others when a member comes online', async () => {
      ;({ client: b } = await Client.joined(bob.token))
      const joined = await a.next('member:joined')
      assert.deepEqual(joined.data, {
        member: { id: bob.member.id, displayName: 'Bob', joinedAt: joined.data.member.joinedAt, online: true },
      })
      ;({ client: c } = await Client.joined(cat.token))
      await a.next('member:joined', (d) => d.member.id === cat.member.id)
      await b.next('member:joined', (d) => d.member.id === cat.member.id)
      await c.nothing('member:joined') // not to the member itself
    })

    test('call:start: call:started to the whole room; a second one is call_active', async () => {
      a.send('call:start', {}, 's1')
      const started = await a.next('call:started')
      await b.next('call:started')
      await c.next('call:started')
      const { call } = started.data
      assert.deepEqual(Object.keys(started.data), ['call'])
      assert.deepEqual(Object.keys(call).sort(), ['id', 'participants', 'startedAt', 'startedBy'])
      assert.match(call.id, UUID)
      assert.equal(call.startedBy, ann.member.id)
      assert.equal(call.participants.length, 1)
      assert.equal(call.participants[0].memberId, ann.member.id)
      callId = call.id
      b.send('call:start', {}, 's2')
      assert.equal((await b.error('s2')).code, 'call_active')
    })

    test('call:join: call:participant-joined to the room; a stale call id is no_active_call', async () => {
      b.send('call:join', { callId })
      for (const s of [a, b, c]) {
        assert.deepEqual((await s.next('call:participant-joined')).data, { callId, memberId: bob.member.id })
      }
      c.send('call:join', { callId: '00000000-0000-4000-8000-000000000000' }, 'stale')
      assert.equal((await c.error('stale')).code, 'no_active_call')
      b.send('call:join', { callId }) // twice: harmless, only to that socket
      await b.next('call:participant-joined')
      await a.nothing('call:participant-joined')
    })

    test('signals go to `to` only, with `from` set by the server (a spoofed from is ignored)', async () => {
      a.send('signal:offer', { to: bob.member.id, callId, sdp: 'v=0 offer', from: cat.member.id })
      const { frame, raw } = await b.nextRaw('signal:offer')
      assert.deepEqual(frame, { type: 'signal:offer', data: { from: ann.member.id, callId, sdp: 'v=0 offer' } })
      assert.equal(raw.length, JSON.stringify(frame).length) // no extra whitespace or fields
      b.send('signal:answer', { to: ann.member.id, callId, sdp: 'v=0 answer' })
      assert.deepEqual((await a.next('signal:answer')).data, { from: bob.member.id, callId, sdp: 'v=0 answer' })
      const candidate = { candidate: 'candidate:1 1 udp 1 127.0.0.1 9 typ host', sdpMid: '0', sdpMLineIndex: 0 }
      a.send('signal:ice', { to: bob.member.id, callId, candidate })
      assert.deepEqual((await b.next('signal:ice')).data, { from: ann.member.id, callId, candidate })
      a.send('signal:ice', { to: bob.member.id, callId, candidate: null })
      assert.deepEqual((await b.next('signal:ice')).data, { from: ann.member.id, callId, candidate: null })
      await c.nothing()
    })

    test('a signal to a non-participant (or to oneself) is unknown_peer, and nothing is forwarded', async () => {
      a.send('signal:offer', { to: cat.member.id, callId, sdp: 'v=0' }, 'u1')
      assert.equal((await a.error('u1')).code, 'unknown_peer')
      a.send('signal:offer', { to: ann.member.id, callId, sdp: 'v=0' }, 'u2')
      assert.equal((await a.error('u2')).code, 'unknown_peer')
      await c.nothing('signal:offer')
    })

    test('a signal from a non-participant, or naming another call, is not_in_call', async () => {
      c.send('signal:offer', { to: bob.member.id, callId, sdp: 'v=0' }, 'n1')
      const err = await c.error('n1')
      assert.deepEqual(Object.keys(err).sort(), ['code', 'message', 'rid'])
      assert.equal(err.code, 'not_in_call')
      a.send('signal:offer', { to: bob.member.id, callId: '00000000-0000-4000-8000-000000000000', sdp: 'v=0' }, 'n2')
      assert.equal((await a.error('n2')).code, 'not_in_call')
      await b.nothing('signal:offer')
    })

    test('malformed signals are bad_request', async () => {
      a.send('signal:offer', { to: bob.member.id, callId }, 'm1')
      assert.equal((await a.error('m1')).code, 'bad_request')
      a.send('signal:ice', { to: bob.member.id, callId, candidate: 'nope' }, 'm2')
      assert.equal((await a.error('m2')).code, 'bad_request')
      await b.nothing('signal:offer')
    })

    test('an unknown type is unsupported, with the rid echoed', async () => {
      a.send('file:prepare-upload', {}, 42)
      const err = await a.error(42)
      assert.equal(err.code, 'unsupported')
      assert.equal(err.rid, 42)
    })

    test('call:end is for the starter or the room creator; call:leave; call:ended', async () => {
      c.send('call:join', { callId })
      await a.next('call:participant-joined', (d) => d.memberId === cat.member.id)
      c.send('call:end', { callId }, 'e1')
      assert.equal((await c.error('e1')).code, 'forbidden')
      c.send('call:leave', { callId })
      const left = await a.next('call:participant-left')
      assert.deepEqual(left.data, { callId, memberId: cat.member.id, reason: 'left' })
      c.send('call:leave', { callId }, 'e2')
      assert.equal((await c.error('e2')).code, 'not_in_call')
      a.send('call:end', { callId })
      for (const s of [a, b, c]) {
        assert.deepEqual((await s.next('call:ended')).data, { callId, reason: 'ended', endedBy: ann.member.id })
      }
      a.send('signal:offer', { to: bob.member.id, callId, sdp: 'v=0' }, 'e3')
      assert.equal((await a.error('e3')).code, 'not_in_call')
    })

    test('the last participant leaving ends the call (reason empty)', async () => {
      b.send('call:start', {})
      const { call } = (await a.next('call:started')).data
      b.send('call:leave', { callId: call.id })
      assert.deepEqual((await a.next('call:participant-left')).data, { callId: call.id, memberId: bob.member.id, reason: 'left' })
      assert.deepEqual((await a.next('call:ended')).data, { callId: call.id, reason: 'empty' })
    })

    test('call_full past six participants', async () => {
      const host = await createRoom('Host')
      const { client: h } = await Client.joined(host.token)
      h.send('call:start', {})
      const { call } = (await h.next('call:started')).data
      const guests = []
      for (let i = 1; i <= 6; i++) {
        const guest = await joinRoom(host.room.code, `Guest ${i}`)
        const { client } = await Client.joined(guest.token)
        guests.push(client)
        client.send('call:join', { callId: call.id }, `j${i}`)
        if (i <= 5) await client.next('call:participant-joined', (d) => d.memberId === guest.member.id)
        else assert.equal((await client.error(`j${i}`)).code, 'call_full')
      }
      for (const s of [h, ...guests]) await s.close()
    })

    test('member:left (offline) only when the last socket of a member closes', async () => {
      const { client: b2 } = await Client.joined(bob.token)
      await a.nothing('member:joined') // already online
      await b2.close()
      await a.nothing('member:left')
      await b.close()
      b = undefined
      assert.deepEqual((await a.next('member:left')).data, { memberId: bob.member.id, reason: 'offline' })
    })

    test('room:leave: member:left (left) to the others, sockets closed, token refused', async () => {
      c.send('room:leave', {})
      assert.deepEqual((await a.next('member:left')).data, { memberId: cat.member.id, reason: 'left' })
      assert.equal(await c.closed, 1000)
      c = undefined
      const again = await api('POST', `/api/rooms/${ann.room.code}/join`, { token: cat.token })
      assertError(again, 401, 'unauthorized')
    })

    test('a frame over 64 KiB closes the socket with 1009', async () => {
      const { client: big } = await Client.joined(ann.token)
      big.send('signal:offer', { to: bob.member.id, callId, sdp: 'x'.repeat(70 * 1024) })
      assert.equal(await big.closed, 1009)
    })
  })
})
