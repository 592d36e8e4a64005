// Helpers of selftest.mjs: the server under test (the baseline or Parlor, chosen by
// --target or SELFTEST_TARGET), REST calls, and a WebSocket client that keeps every frame.
import assert from 'node:assert/strict'
import { spawn } from 'node:child_process'
import { mkdtempSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { createInterface } from 'node:readline'
import { fileURLToPath } from 'node:url'
import { parseArgs } from 'node:util'
import WebSocket from 'ws'

const here = fileURLToPath(new URL('.', import.meta.url))
const { values: cli } = parseArgs({ options: { target: { type: 'string' } }, strict: false })
export const target = cli.target ?? process.env.SELFTEST_TARGET ?? 'baseline'
if (!['parlor', 'baseline'].includes(target)) throw new Error(`unknown --target ${target}`)

export const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/
const CODE = /^[0-9abcdefghjkmnpqrstvwxyz]{4}-[0-9abcdefghjkmnpqrstvwxyz]{4}-[0-9abcdefghjkmnpqrstvwxyz]{4}$/
export const RFC3339 = /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d\.\d{3}Z$/
const QUIET_MS = 150 // how long "nothing arrives" is watched for

// ---- the server under test ----

// Where the server under test listens, once startServer() has started it.
export const endpoint = { base: '', wsUrl: '' }

export async function startServer() {
  let child, lines, dataDir
  if (target === 'baseline') {
    child = spawn(process.execPath, [join(here, 'server.mjs'), '--port', '0', '--host', '127.0.0.1'], {
      stdio: ['ignore', 'pipe', 'inherit'],
    })
    lines = child.stdout
  } else {
    dataDir = mkdtempSync(join(tmpdir(), 'parlor-selftest-'))
    const bin = process.env.PARLOR_BIN ?? join(here, '../../server/build/parlor')
    child = spawn(
      bin,
      ['--port', '0', '--data-dir', dataDir, '--room-create-per-minute', '0', '--join-per-minute', '0',
        '--ws-messages-per-second', '0'],
      { stdio: ['ignore', 'ignore', 'pipe'] },
    )
    lines = child.stderr
  }
  const port = await new Promise((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`${target} did not start listening`)), 15_000)
    child.once('exit', (code) => reject(new Error(`${target} exited with ${code}`)))
    createInterface({ input: lines }).on('line', (line) => {
      try {
        const entry = JSON.parse(line)
        if (entry.event === 'listening') {
          clearTimeout(timer)
          resolve(entry.port)
        }
      } catch {
        // not a JSON line
      }
    })
  })
  endpoint.base = `http://127.0.0.1:${port}`
  endpoint.wsUrl = `ws://127.0.0.1:${port}/ws`
  return { child, dataDir }
}

// ---- REST helpers ----

export async function api(method, path, { body, token, raw } = {}) {
  const headers = {}
  if (token) headers.authorization = `Bearer ${token}`
  if (body !== undefined || raw !== undefined) headers['content-type'] = 'application/json'
  const res = await fetch(endpoint.base + path, { method, headers, body: raw ?? (body === undefined ? undefined : JSON.stringify(body)) })
  const text = await res.text()
  return { status: res.status, body: text ? JSON.parse(text) : null }
}

export const createRoom = async (displayName) => {
  const res = await api('POST', '/api/rooms', { body: { displayName } })
  assert.equal(res.status, 201, JSON.stringify(res.body))
  return res.body
}

export const joinRoom = async (code, displayName) => {
  const res = await api('POST', `/api/rooms/${code}/join`, { body: { displayName } })
  assert.equal(res.status, 200, JSON.stringify(res.body))
  return res.body
}

export function assertError(res, status, code) {
  assert.equal(res.status, status, JSON.stringify(res.body))
  assert.deepEqual(Object.keys(res.body), ['error'])
  assert.equal(res.body.error.code, code)
  assert.equal(typeof res.body.error.message, 'string')
  assert.ok(res.body.error.message.length > 0)
}

const decodeJwtPart = (part) => JSON.parse(Buffer.from(part, 'base64url').toString('utf8'))

export function assertAdmission(body, displayName) {
  assert.deepEqual(Object.keys(body).sort(), ['expiresAt', 'iceServers', 'member', 'room', 'token'])
  assert.deepEqual(Object.keys(body.room).sort(), ['code', 'createdAt', 'id'])
  assert.match(body.room.id, UUID)
  assert.match(body.room.code, CODE)
  assert.match(body.room.createdAt, RFC3339)
  assert.deepEqual(body.member, { id: body.member.id, displayName })
  assert.match(body.member.id, UUID)
  assert.deepEqual(body.iceServers, [])
  assert.match(body.expiresAt, RFC3339)
  const [header, payload, signature] = body.token.split('.')
  assert.deepEqual(decodeJwtPart(header), { alg: 'HS256', typ: 'JWT' })
  const claims = decodeJwtPart(payload)
  assert.deepEqual(Object.keys(claims).sort(), ['exp', 'iat', 'room', 'sub'])
  assert.equal(claims.sub, body.member.id)
  assert.equal(claims.room, body.room.id)
  assert.ok(Number.isInteger(claims.iat) && Math.abs(claims.iat - Date.now() / 1000) < 60)
  assert.equal(claims.exp - claims.iat, 12 * 60 * 60)
  assert.equal(Date.parse(body.expiresAt), claims.exp * 1000)
  assert.ok(signature.length > 0)
}

// ---- WebSocket helper ----

export class Client {
  constructor(ws) {
    this.ws = ws
    this.frames = []
    this.raw = []
    this.waiters = []
    this.closed = new Promise((resolve) => ws.on('close', (code) => resolve(code)))
    ws.on('message', (data) => {
      this.raw.push(data.toString())
      this.frames.push(JSON.parse(data.toString()))
      this.#wake()
    })
  }

  static async open(headers) {
    const ws = new WebSocket(endpoint.wsUrl, { headers })
    const client = new Client(ws)
    await new Promise((resolve, reject) => {
      ws.once('open', resolve)
      ws.once('error', reject)
    })
    return client
  }

  // Opens a socket and joins with `token`; returns the client and its room:state.
  static async joined(token) {
    const client = await Client.open()
    client.send('room:join', { token }, 'join')
    const state = await client.next('room:state')
    return { client, state }
  }

  send(type, data, rid) {
    const envelope = { type, data }
    if (rid !== undefined) envelope.rid = rid
    this.ws.send(JSON.stringify(envelope))
  }

  #wake() {
    for (const w of [...this.waiters]) {
      const i = this.frames.findIndex(w.match)
      if (i >= 0) {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        clearTimeout(w.timer)
        w.resolve({ frame: this.frames.splice(i, 1)[0], raw: this.raw.splice(i, 1)[0] })
      }
    }
  }

  // The next frame of `type` (and matching `where`), removed from the inbox.
  async next(type, where = () => true, timeout = 3000) {
    return (await this.nextRaw(type, where, timeout)).frame
  }

  nextRaw(type, where = () => true, timeout = 3000) {
    return new Promise((resolve, reject) => {
      const w = { match: (f) => f.type === type && where(f.data), resolve }
      w.timer = setTimeout(() => {
        this.waiters.splice(this.waiters.indexOf(w), 1)
        reject(new Error(`no ${type} within ${timeout} ms; inbox: ${JSON.stringify(this.frames)}`))
      }, timeout)
      this.waiters.push(w)
      this.#wake()
    })
  }

  async error(rid) {
    return (await this.next('error', (d) => d.rid === rid)).data
  }

  // Asserts that nothing (of `type`, if given) arrives for a while.
  async nothing(type) {
    await new Promise((r) => setTimeout(r, QUIET_MS))
    const got = this.frames.filter((f) => type === undefined || f.type === type)
    assert.deepEqual(got, [], `unexpected frames: ${JSON.stringify(got)}`)
  }

  close() {
    this.ws.close()
    return this.closed
  }
}
