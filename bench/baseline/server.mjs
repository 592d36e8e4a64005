#!/usr/bin/env node
// Parlor benchmark baseline: the room / call / signalling subset of the Parlor protocol on
// Node.js with Hono and ws, state in memory.
//
//   node server.mjs [--port 8080] [--host 127.0.0.1] [--call-capacity 6] [--call-grace 20]
//                   [--token-ttl 43200] [--public-origin URL ...] [--quiet]
//
// Prints {"event":"listening","port":N} on stdout once it accepts connections. Like Parlor,
// it logs one JSON line per HTTP request and per WebSocket upgrade on stderr (--quiet: not).
import { randomBytes } from 'node:crypto'
import { readFileSync } from 'node:fs'
import { parseArgs } from 'node:util'
import { serve } from '@hono/node-server'
import { createApp } from './lib/http.mjs'
import { logLine } from './lib/log.mjs'
import { Realtime } from './lib/realtime.mjs'
import { RoomService } from './lib/rooms.mjs'

const { values: args } = parseArgs({
  options: {
    port: { type: 'string', default: process.env.PORT ?? '8080' },
    host: { type: 'string', default: process.env.HOST ?? '127.0.0.1' },
    'call-capacity': { type: 'string', default: '6' },
    'call-grace': { type: 'string', default: '20' },
    'token-ttl': { type: 'string', default: String(12 * 60 * 60) },
    'public-origin': { type: 'string', multiple: true, default: [] },
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
const app = createApp({ rooms, realtime, iceServers, version, accessLog: !args.quiet })

const server = serve({ fetch: app.fetch, port, hostname: args.host }, (info) => {
  port = info.port
  console.log(JSON.stringify({ event: 'listening', port: info.port }))
})
server.on('upgrade', (req, socket, head) => realtime.handleUpgrade(req, socket, head))

function shutdown() {
  realtime.close()
  server.close(() => process.exit(0))
  server.closeIdleConnections?.()
  setTimeout(() => process.exit(0), 2000).unref()
}
process.once('SIGTERM', shutdown)
process.once('SIGINT', shutdown)
