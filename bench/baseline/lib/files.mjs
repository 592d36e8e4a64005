// Files: prepare, a signed upload link, complete, a signed download link; the protocol's
// REST file calls, served the way Parlor's local store serves them. The bytes live on the
// local disk (`<data-dir>/objects/<key>`, uploads in progress in `<data-dir>/uploads/`);
// what is known about each file lives in memory, like everything else in this server.
//
// Links are `/blobs/<key>?<params>&expires=<unix s>&sig=<hex>`, `sig` an HMAC-SHA256 over
// the method, the key and every other parameter, so a link works for one method on one
// object, with the parameters it was issued with (an upload's size, a download's name).
import { createHash, createHmac, randomBytes, randomUUID, timingSafeEqual } from 'node:crypto'
import { createWriteStream, mkdirSync } from 'node:fs'
import { open, rename, rm, stat } from 'node:fs/promises'
import { join } from 'node:path'
import { pipeline } from 'node:stream/promises'
import { RESPONSE_ALREADY_SENT } from '@hono/node-server/utils/response'
import { ApiError, fail } from './errors.mjs'
import { fileJson } from './rooms.mjs'

const KEY = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/
const SHA256 = /^[0-9a-fA-F]{64}$/
const MIME = /^[a-z0-9!#$&^_.+-]+\/[a-z0-9!#$&^_.+-]+$/
const EDGE_SPACE = /^[\s\ufeff]+|[\s\ufeff]+$/g
// C0, DEL, C1, line/paragraph separators and the bidirectional overrides and isolates.
const CONTROL = /[\u0000-\u001f\u007f-\u009f\u2028-\u202e\u2066-\u2069]/g
const MAX_FILENAME_BYTES = 255
const SWEEP_INTERVAL_MS = 60_000

const iso = (ms) => new Date(ms).toISOString()
const utf8Bytes = (text) => Buffer.byteLength(text, 'utf8')

function truncateUtf8(text, maxBytes) {
  let out = ''
  let bytes = 0
  for (const ch of text) {
    const n = utf8Bytes(ch)
    if (bytes + n > maxBytes) break
    out += ch
    bytes += n
  }
  return out
}

// The name people see: the last path part, without control or bidi characters, trimmed,
// at most 255 bytes of UTF-8 with the extension kept. Never a storage path.
export function displayFilename(requested) {
  if (typeof requested !== 'string') fail('bad_request', 'filename must be a string')
  if (!requested.isWellFormed()) fail('bad_request', 'filename is not valid UTF-8 text')
  const last = requested.slice(Math.max(requested.lastIndexOf('/'), requested.lastIndexOf('\\')) + 1)
  const name = last.replace(CONTROL, '').replace(EDGE_SPACE, '')
  if (name === '' || name === '.' || name === '..') fail('bad_request', 'filename names no file')
  if (utf8Bytes(name) <= MAX_FILENAME_BYTES) return name
  const dot = name.lastIndexOf('.')
  const ext = dot > 0 && utf8Bytes(name.slice(dot)) <= 32 ? name.slice(dot) : ''
  return truncateUtf8(name.slice(0, name.length - ext.length), MAX_FILENAME_BYTES - utf8Bytes(ext)) + ext
}

export function normalizedMimeType(requested) {
  if (requested === undefined || requested === null || requested === '') return 'application/octet-stream'
  if (typeof requested !== 'string') fail('bad_request', 'mimeType must be a string')
  const type = requested.split(';')[0].trim().toLowerCase()
  if (!MIME.test(type)) fail('bad_request', 'mimeType must be type/subtype')
  return type
}

// RFC 6266: a plain-ASCII fallback and the exact UTF-8 name.
function attachmentDisposition(filename) {
  const fallback = [...filename].map((ch) => (/^[\x20-\x7e]$/.test(ch) && !'"\\%'.includes(ch) ? ch : '_')).join('')
  return `attachment; filename="${fallback}"; filename*=UTF-8''${encodeURIComponent(filename)}`
}

export class FileService {
  constructor({ dir, secret, maxFileBytes, uploadTtlSeconds = 900, downloadTtlSeconds = 300, onAdded = () => {} }) {
    this.objectsDir = join(dir, 'objects')
    this.uploadsDir = join(dir, 'uploads')
    mkdirSync(this.objectsDir, { recursive: true })
    mkdirSync(this.uploadsDir, { recursive: true })
    this.secret = secret
    this.maxFileBytes = maxFileBytes
    this.uploadTtlMs = uploadTtlSeconds * 1000
    this.downloadTtlMs = downloadTtlSeconds * 1000
    this.onAdded = onAdded
    this.files = new Map() // file id -> file
    this.objects = new Map() // storage key -> { file, state: 'waiting' | 'receiving' | 'stored', sha256 }
    this.sweeper = setInterval(() => this.sweepExpired(), SWEEP_INTERVAL_MS).unref()
  }

  close() {
    clearInterval(this.sweeper)
  }

  // ---- REST ----

  prepare(room, member, body) {
    const filename = displayFilename(body.filename)
    const mimeType = normalizedMimeType(body.mimeType)
    const { sizeBytes, sha256 } = body
    if (!Number.isSafeInteger(sizeBytes) || sizeBytes < 0) fail('bad_request', 'sizeBytes must be a whole number of bytes')
    if (sizeBytes > this.maxFileBytes) fail('payload_too_large', `Files can be at most ${this.maxFileBytes} bytes`)
    if (typeof sha256 !== 'string' || !SHA256.test(sha256)) fail('bad_request', 'sha256 must be 64 hex digits')
    const now = Date.now()
    const file = {
      id: randomUUID(),
      roomId: room.id,
      uploaderId: member.id,
      filename,
      mimeType,
      sizeBytes,
      sha256: sha256.toLowerCase(),
      storageKey: randomUUID(), // never derived from anything the client sent
      preparedAt: now,
      uploadExpiresAt: now + this.uploadTtlMs,
      completedAt: null,
    }
    this.files.set(file.id, file)
    this.objects.set(file.storageKey, { file, state: 'waiting', sha256: null })
    const url = this.#sign('PUT', file.storageKey, { size: String(sizeBytes) }, file.uploadExpiresAt)
    return { fileId: file.id, upload: { method: 'PUT', url, headers: {}, expiresAt: iso(file.uploadExpiresAt) } }
  }

  // -> { file, created }
  async complete(room, member, fileId) {
    const file = this.#fileInRoom(room, fileId)
    if (file.completedAt) return { file, created: false }
    if (file.uploaderId !== member.id) fail('forbidden', 'Only the uploader can complete this upload')
    const object = this.objects.get(file.storageKey)
    if (object?.state !== 'stored') fail('upload_incomplete', "The file's bytes have not arrived")
    const { size } = await stat(this.#objectPath(file.storageKey))
    if (size !== file.sizeBytes) {
      await this.#discard(object) // so that the upload can be tried again
      fail('upload_incomplete', `The stored file has ${size} bytes, not ${file.sizeBytes}`)
    }
    if (object.sha256 !== file.sha256) {
      await this.#discard(object)
      fail('checksum_mismatch', 'The stored bytes do not match the declared SHA-256')
    }
    if (file.completedAt) return { file, created: false } // completed meanwhile
    file.completedAt = Date.now()
    room.files.push(file)
    this.onAdded(room, file)
    return { file, created: true }
  }

  downloadLink(room, fileId) {
    const file = this.#fileInRoom(room, fileId)
    if (!file.completedAt) fail('file_not_found', 'No such file in this room')
    const expiresAt = Date.now() + this.downloadTtlMs
    return { url: this.#sign('GET', file.storageKey, { name: file.filename, type: file.mimeType }, expiresAt), expiresAt }
  }

  // ---- the links ----

  // PUT: the bytes go to a temporary file while they are hashed, are flushed to the disk
  // and then moved into place whole.
  async receive(key, query, incoming, outgoing) {
    const contentLength = incoming.headers['content-length']
    const params = this.#verify('PUT', key, query)
    const object = this.objects.get(key)
    if (!object) fail('forbidden', 'This link has expired')
    const size = Number(params.size)
    if (contentLength === undefined) fail('bad_request', 'An upload needs a Content-Length header')
    if (Number(contentLength) !== size) fail('bad_request', `This link takes exactly ${size} bytes`)
    if (object.state !== 'waiting') fail('forbidden', 'This upload link has been used')
    object.state = 'receiving'
    if (/^100-continue$/i.test(incoming.headers.expect ?? '')) outgoing.writeContinue() // see honourExpectContinue
    const temp = join(this.uploadsDir, `${key}.${randomBytes(8).toString('hex')}.part`)
    const hash = createHash('sha256')
    let received = 0
    try {
      await pipeline(
        incoming,
        async function* (chunks) {
          for await (const chunk of chunks) {
            received += chunk.length
            if (received > size) throw new ApiError('bad_request', 'The upload is larger than its link allows')
            hash.update(chunk)
            yield chunk
          }
        },
        // flush: fsync before the stream closes, so that what is renamed below is on disk.
        createWriteStream(temp, { flags: 'wx', mode: 0o600, flush: true }),
      )
      if (received !== size) fail('bad_request', 'The upload is shorter than its link requires')
      await rename(temp, this.#objectPath(key))
    } catch (err) {
      object.state = 'waiting' // the same link may be used again
      await rm(temp, { force: true })
      if (err instanceof ApiError) throw err
      if (err.code === 'ECONNRESET' || err.code === 'ERR_STREAM_PREMATURE_CLOSE') {
        fail('bad_request', 'The upload stopped before its end')
      }
      throw err
    }
    object.state = 'stored'
    object.sha256 = hash.digest('hex')
  }

  // GET / HEAD, with one byte range at most; streamed from the disk straight to the socket.
  async send(c, key, query) {
    const params = this.#verify('GET', key, query)
    if (this.objects.get(key)?.state !== 'stored') fail('file_not_found', 'This file is no longer stored')
    let file
    try {
      file = await open(this.#objectPath(key))
    } catch (err) {
      if (err.code === 'ENOENT') fail('file_not_found', 'This file is no longer stored')
      throw err
    }
    try {
      const { size } = await file.stat()
      const headers = {
        'Content-Type': params.type || 'application/octet-stream',
        'Content-Disposition': attachmentDisposition(params.name ?? 'download'),
        'Accept-Ranges': 'bytes',
        ETag: `"${key}"`,
        'Cache-Control': 'private, max-age=300',
        'X-Content-Type-Options': 'nosniff',
      }
      let status = 200
      let start = 0
      let end = size - 1
      const range = /^bytes=(\d*)-(\d*)$/.exec(c.req.header('range') ?? '')
      if (range && (range[1] !== '' || range[2] !== '')) {
        if (range[1] === '') start = Math.max(0, size - Number(range[2]))
        else {
          start = Number(range[1])
          if (range[2] !== '') end = Math.min(end, Number(range[2]))
        }
        if (start >= size || (range[1] === '' && Number(range[2]) === 0)) {
          await file.close()
          return c.body(null, 416, { 'Content-Range': `bytes */${size}` })
        }
        if (end >= start) {
          status = 206
          headers['Content-Range'] = `bytes ${start}-${end}/${size}`
        } else {
          start = 0
          end = size - 1
        }
      }
      headers['Content-Length'] = String(end - start + 1)
      const { outgoing } = c.env
      outgoing.writeHead(status, headers)
      if (c.req.method === 'HEAD' || end < start) {
        outgoing.end()
        await file.close()
      } else {
        // A reader that goes away ends the pipeline with an error: nothing more to do.
        await pipeline(file.createReadStream({ start, end }), outgoing).catch(() => {})
      }
      return RESPONSE_ALREADY_SENT
    } catch (err) {
      await file.close().catch(() => {})
      throw err
    }
  }

  // Prepared files whose upload link expired without a complete go, with their bytes.
  sweepExpired(now = Date.now()) {
    for (const [key, object] of this.objects) {
      const { file } = object
      if (file.completedAt || file.uploadExpiresAt > now || object.state === 'receiving') continue
      this.objects.delete(key)
      this.files.delete(file.id)
      rm(this.#objectPath(key), { force: true }).catch(() => {})
    }
  }

  // ---- helpers ----

  #objectPath(key) {
    return join(this.objectsDir, key)
  }

  async #discard(object) {
    object.state = 'waiting'
    object.sha256 = null
    await rm(this.#objectPath(object.file.storageKey), { force: true })
  }

  // Another room's files do not exist for this member.
  #fileInRoom(room, fileId) {
    const file = typeof fileId === 'string' ? this.files.get(fileId) : undefined
    if (!file || file.roomId !== room.id) fail('file_not_found', 'No such file in this room')
    return file
  }

  #signature(method, key, params) {
    let text = `${method}\n${key}\n`
    for (const name of Object.keys(params).sort()) text += `${name}=${encodeURIComponent(params[name])}\n`
    return createHmac('sha256', this.secret).update(text).digest('hex')
  }

  #sign(method, key, params, expiresAtMs) {
    const all = { ...params, expires: String(Math.ceil(expiresAtMs / 1000)) }
    const query = Object.keys(all)
      .sort()
      .map((name) => `${name}=${encodeURIComponent(all[name])}`)
      .join('&')
    return `/blobs/${key}?${query}&sig=${this.#signature(method, key, all)}`
  }

  // -> the link's parameters (without expires and sig); 403 for a bad or expired link.
  #verify(method, key, query) {
    if (!KEY.test(key)) fail('not_found', 'No such file')
    const params = {}
    for (const [name, value] of query) {
      if (Object.hasOwn(params, name)) fail('forbidden', 'This link is not valid')
      params[name] = value
    }
    const { sig, ...signed } = params
    if (typeof sig !== 'string' || signed.expires === undefined) fail('forbidden', 'This link is not valid')
    const expected = Buffer.from(this.#signature(method, key, signed))
    const given = Buffer.from(sig)
    if (given.length !== expected.length || !timingSafeEqual(given, expected)) fail('forbidden', 'This link is not valid')
    if (Date.now() >= Number(signed.expires) * 1000) fail('forbidden', 'This link has expired')
    delete signed.expires
    return signed
  }
}

// Node answers `Expect: 100-continue` by itself, before any handler could refuse the upload
// from its headers. With this, an upload link's PUT answers it once the link and the length
// have been checked (FileService.receive); every other request gets it at once, as before.
export function honourExpectContinue(server) {
  server.on('checkContinue', (req, res) => {
    if (!(req.method === 'PUT' && req.url.startsWith('/blobs/'))) res.writeContinue()
    server.emit('request', req, res)
  })
}

// The routes: REST calls under /api (bearer token), the signed links under /blobs.
export function addFileRoutes(app, { rooms, files, bearerToken, jsonObjectBody, publicOrigin }) {
  // Links are absolute: the configured public origin, else the one the client used.
  const absolute = (c, path) => {
    if (publicOrigin) return publicOrigin + path
    const host = c.req.header('host') ?? ''
    return `http://${/^[A-Za-z0-9.:[\]-]{1,255}$/.test(host) ? host : 'localhost'}${path}`
  }

  app.post('/api/rooms/:code/files/prepare', async (c) => {
    const body = await jsonObjectBody(c)
    const { room, member } = await rooms.authenticate(c.req.param('code'), bearerToken(c))
    const prepared = files.prepare(room, member, body)
    prepared.upload.url = absolute(c, prepared.upload.url)
    return c.json(prepared, 201)
  })

  app.post('/api/rooms/:code/files/complete', async (c) => {
    const { fileId } = await jsonObjectBody(c)
    if (typeof fileId !== 'string' || fileId === '') fail('bad_request', 'fileId is required')
    const { room, member } = await rooms.authenticate(c.req.param('code'), bearerToken(c))
    const { file, created } = await files.complete(room, member, fileId)
    return c.json({ file: fileJson(file, room) }, created ? 201 : 200)
  })

  app.get('/api/rooms/:code/files', async (c) => {
    const { room } = await rooms.authenticate(c.req.param('code'), bearerToken(c))
    return c.json({ files: room.files.map((file) => fileJson(file, room)) })
  })

  app.get('/api/files/:fileId/download', async (c) => {
    const token = bearerToken(c)
    if (token === undefined) fail('unauthorized', 'This call needs a guest token')
    const { room } = await rooms.authenticateToken(token)
    const link = files.downloadLink(room, c.req.param('fileId'))
    const url = absolute(c, link.url)
    if (c.req.query('redirect') === '1') return c.redirect(url, 302)
    return c.json({ url, expiresAt: iso(link.expiresAt) })
  })

  const query = (c) => new URL(c.req.url).searchParams
  app.put('/blobs/:key', async (c) => {
    await files.receive(c.req.param('key'), query(c), c.env.incoming, c.env.outgoing)
    return c.body(null, 204)
  })
  // Hono routes HEAD to GET handlers.
  app.get('/blobs/:key', (c) => files.send(c, c.req.param('key'), query(c)))
}
