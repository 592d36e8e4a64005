// The REST side (Hono).
import { Hono } from 'hono'
import { bodyLimit } from 'hono/body-limit'
import { requestId } from 'hono/request-id'
import { secureHeaders } from 'hono/secure-headers'
import { ApiError, fail } from './errors.mjs'
import { addFileRoutes } from './files.mjs'
import { logLine, newRequestId } from './log.mjs'
import { admissionJson, snapshotJson, validateDisplayName } from './rooms.mjs'

const MAX_JSON_BODY = 64 * 1024

// A JSON object body; with `emptyIsObject` no body at all reads as {}.
async function jsonObjectBody(c, { emptyIsObject = false } = {}) {
  const text = await c.req.text()
  if (emptyIsObject && text.trim() === '') return {}
  let body
  try {
    body = JSON.parse(text)
  } catch {
    fail('bad_request', 'The body is not valid JSON')
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) {
    fail('bad_request', 'The body must be a JSON object')
  }
  return body
}

function optionalDisplayName(body) {
  const value = body.displayName
  if (value === undefined || value === null) return undefined
  if (typeof value !== 'string') fail('bad_request', 'displayName must be a string')
  return validateDisplayName(value)
}

function bearerToken(c) {
  const header = c.req.header('authorization')
  if (header === undefined) return undefined
  if (header.length <= 7 || header.slice(0, 7).toLowerCase() !== 'bearer ') {
    fail('unauthorized', 'Send the token as Authorization: Bearer <token>')
  }
  return header.slice(7)
}

export function createApp({ rooms, realtime, files, iceServers, version, accessLog = true, publicOrigin }) {
  const app = new Hono()

  app.use(requestId({ generator: newRequestId }))
  if (accessLog) {
    app.use(async (c, next) => {
      const started = performance.now()
      await next()
      logLine({
        event: 'request',
        request_id: c.get('requestId'),
        method: c.req.method,
        path: c.req.path,
        status: c.res.status,
        duration_ms: Math.round((performance.now() - started) * 100) / 100,
        client_ip: c.env.incoming.socket.remoteAddress,
      })
    })
  }
  app.use(
    '/api/*',
    secureHeaders({
      contentSecurityPolicy: { defaultSrc: ["'none'"], frameAncestors: ["'none'"] },
      crossOriginResourcePolicy: 'same-origin',
      crossOriginOpenerPolicy: 'same-origin',
      referrerPolicy: 'no-referrer',
      xFrameOptions: 'DENY',
      originAgentCluster: false,
      strictTransportSecurity: false,
      xDnsPrefetchControl: false,
      xDownloadOptions: false,
      xPermittedCrossDomainPolicies: false,
      xXssProtection: false,
    }),
    async (c, next) => {
      await next()
      c.header('Cache-Control', 'no-store')
    },
    bodyLimit({
      maxSize: MAX_JSON_BODY,
      onError: (c) => c.json(new ApiError('payload_too_large', 'The request body is too large'), 413),
    }),
  )

  app.get('/api/health', (c) =>
    c.json({ status: 'ok', version, checks: { db: 'disabled', blobs: 'disabled', bus: 'disabled' } }),
  )

  app.post('/api/rooms', async (c) => {
    const name = optionalDisplayName(await jsonObjectBody(c))
    if (name === undefined) fail('bad_request', 'displayName is required')
    return c.json(admissionJson(await rooms.createRoom(name), iceServers), 201)
  })

  app.post('/api/rooms/:code/join', async (c) => {
    // A rejoin with a token needs no fields, so no body means {} here.
    const name = optionalDisplayName(await jsonObjectBody(c, { emptyIsObject: true }))
    const admitted = await rooms.joinRoom(c.req.param('code'), name, bearerToken(c))
    return c.json(admissionJson(admitted, iceServers))
  })

  app.get('/api/rooms/:code/state', async (c) => {
    const { room, member } = await rooms.authenticate(c.req.param('code'), bearerToken(c))
    return c.json(snapshotJson(room, member.id, realtime.isOnline, iceServers))
  })

  app.post('/api/rooms/:code/leave', async (c) => {
    const { room, member } = await rooms.authenticate(c.req.param('code'), bearerToken(c))
    realtime.leaveRoom(room, member.id)
    return c.body(null, 204)
  })

  addFileRoutes(app, { rooms, files, bearerToken, jsonObjectBody, publicOrigin })

  // Upgrades never reach Hono (see Realtime.handleUpgrade).
  app.get('/ws', (c) => c.json(new ApiError('bad_request', 'This endpoint speaks WebSocket only'), 426))

  app.notFound((c) => c.json(new ApiError('not_found', 'No such route'), 404))

  app.onError((err, c) => {
    if (err instanceof ApiError) return c.json(err, err.status)
    console.error('request failed:', err)
    return c.json(new ApiError('internal', 'Something went wrong on our side'), 500)
  })

  return app
}
