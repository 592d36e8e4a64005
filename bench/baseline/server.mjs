#!/usr/bin/env node
// Parlor benchmark baseline: the room / call / signalling / file subset of the Parlor
// protocol on Node.js with Hono and ws, state in memory, file bytes on the local disk.
//
//   node server.mjs [--port 8080] [--host 127.0.0.1] [--call-capacity 6] [--call-grace 20]
//                   [--token-ttl 43200] [--public-origin URL ...] [--data-dir DIR]
//                   [--max-file-bytes 104857600] [--upload-link-ttl 900]
//                   [--download-link-ttl 300] [--quiet]
//
// Prints {"event":"listening","port":N} on stdout once it accepts connections. Like Parlor,
// it logs one JSON line per HTTP request and per WebSocket upgrade on stderr (--quiet: not).
import { randomBytes } from 'node:crypto'
import { mkdtempSync, readFileSync, rmSync } from 'node:fs'
import { tmpdir } from 'node:os'
import { join } from 'node:path'
import { parseArgs } from 'node:util'
import { serve } from '@hono/node-server'
import { FileService, honourExpectContinue } from './lib/files.mjs'
import { createApp } from './lib/http.mjs'
import { logLine } from './lib/log.mjs'
import { Realtime } from './lib/realtime.mjs'
import { fileJson, RoomService } from './lib/rooms.mjs'

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    'call-capacity': { type: 'string', default: '6' },
    'call-grace': { type: 'string', default: '20' },
    'token-ttl': { type: 'string', default: String(12 * 60 * 60) },
    'public-origin': { type: 'string', multiple: true, default: [] },
    'data-dir': { type: 'string' },
    'max-file-bytes': { type: 'string', default: String(100 * 1024 * 1024) },
    'upload-link-ttl': { type: 'string', default: '900' },
    'download-link-ttl': { type: 'string', default: '300' },
    quiet: { type: 'boolean', default: false },
  },
})

const intArg = (name) => {
  const n = Number(args[name])
  if (!Number.isInteger(n) || n < 0) {
    console.error(`--${name} must be a whole number`)
    process.exit(2)
  }
  return n
}

const { version } = JSON.parse(readFileSync(new URL('./package.json', import.meta.url), 'utf8'))
const iceServers = []
const secret = process.env.TOKEN_SECRET ?? randomBytes(32).toString('hex')

const rooms = new RoomService({
  secret,
  tokenTtlSeconds: intArg('token-ttl'),
  callCapacity: intArg('call-capacity'),
})

let port = intArg('port')
const allowedOrigins = () =>
  args['public-origin'].length > 0
    ? args['public-origin'].flatMap((o) => o.split(','))
    : [`http://localhost:${port}`, `http://127.0.0.1:${port}`]

const log = args.quiet ? () => {} : logLine
const realtime = new Realtime({ rooms, iceServers, allowedOrigins, callGraceSeconds: intArg('call-grace'), log })
// File bytes go to --data-dir, or to a temporary directory removed at exit.
const ownDataDir = args['data-dir'] === undefined
const dataDir = args['data-dir'] ?? mkdtempSync(join(tmpdir(), 'parlor-baseline-'))
const files = new FileService({
  dir: join(dataDir, 'files'),
  secret: randomBytes(32),
  maxFileBytes: intArg('max-file-bytes'),
  uploadTtlSeconds: intArg('upload-link-ttl'),
  downloadTtlSeconds: intArg('download-link-ttl'),
  onAdded: (room, file) => realtime.publish(room.id, 'file:added', { file: fileJson(file, room) }),
})
const app = createApp({
  rooms,
  realtime,
  files,
  iceServers,
  version,
  accessLog: !args.quiet,
  publicOrigin: args['public-origin'][0]?.split(',')[0],
})

const server = serve({ fetch: app.fetch, port, hostname: args.host }, (info) => {
  port = info.port
  console.log(JSON.stringify({ event: 'listening', port: info.port }))
})
server.on('upgrade', (req, socket, head) => realtime.handleUpgrade(req, socket, head))
honourExpectContinue(server)

function shutdown() {
  realtime.close()
  files.close()
  if (ownDataDir) rmSync(dataDir, { recursive: true, force: true })
  server.close(() => process.exit(0))
  server.closeIdleConnections?.()
  setTimeout(() => process.exit(0), 2000).unref()
}
process.once('SIGTERM', shutdown)
process.once('SIGINT', shutdown)
