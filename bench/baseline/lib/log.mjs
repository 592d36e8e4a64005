import { randomBytes } from 'node:crypto'

export const newRequestId = () => randomBytes(8).toString('hex')

// One JSON line per event on stderr (stdout carries only the "listening" line), like Parlor's
// access log.
export const logLine = (fields) =>
  process.stderr.write(`${JSON.stringify({ time: new Date().toISOString(), level: 'info', ...fields })}\n`)
