// Error codes of the protocol, with the HTTP status each has when it is a REST answer.
// (Call rules are WebSocket errors; were they ever REST answers they would be conflicts.)
export const STATUS = {
  bad_request: 400,
  invalid_display_name: 400,
  room_not_found: 404,
  unauthorized: 401,
  forbidden: 403,
  not_found: 404,
  method_not_allowed: 405,
  payload_too_large: 413,
  call_active: 409,
  no_active_call: 409,
  call_full: 409,
  not_in_call: 409,
  unknown_peer: 409,
  file_not_found: 404,
  upload_incomplete: 409,
  checksum_mismatch: 422,
  unsupported: 400,
  unavailable: 503,
  internal: 500,
}

export class ApiError extends Error {
  constructor(code, message) {
    super(message)
    this.code = code
  }

  get status() {
    return STATUS[this.code] ?? 500
  }

  toJSON() {
    return { error: { code: this.code, message: this.message } }
  }
}

export const fail = (code, message) => {
  throw new ApiError(code, message)
}
