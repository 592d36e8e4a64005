/**
 * Just enough of a TURN client (RFC 5766/8656 over UDP, long-term credentials) to ask a
 * TURN server which peers it would relay to: one Allocate, then one CreatePermission per
 * peer address. A permission only installs a rule on the server: nothing is sent to the
 * peer, so the addresses asked about may be anywhere while all traffic stays on loopback.
 */
import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import { isIPv4, isIPv6 } from 'node:net';

const MAGIC_COOKIE = 0x2112a442;
const ALLOCATE = 0x0003;
const CREATE_PERMISSION = 0x0008;
const SUCCESS = 0x0100;

const ATTR = {
  USERNAME: 0x0006,
  MESSAGE_INTEGRITY: 0x0008,
  ERROR_CODE: 0x0009,
  XOR_PEER_ADDRESS: 0x0012,
  REALM: 0x0014,
  NONCE: 0x0015,
  REQUESTED_ADDRESS_FAMILY: 0x0017,
  REQUESTED_TRANSPORT: 0x0019,
} as const;

interface Attribute {
  type: number;
  value: Buffer;
}

interface Response {
  success: boolean;
  /** STUN error code (e.g. 401, 403, 438), 0 on success. */
  code: number;
  reason: string;
  attributes: Map<number, Buffer>;
}

function attribute(type: number, value: Buffer): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  const padding = Buffer.alloc((4 - (value.length % 4)) % 4);
  return Buffer.concat([header, value, padding]);
}

/** A STUN request; with `key`, MESSAGE-INTEGRITY (HMAC-SHA1 over everything before it) is appended. */
function encode(method: number, transaction: Buffer, attributes: Attribute[], key?: Buffer): Buffer {
  const body = Buffer.concat(attributes.map((a) => attribute(a.type, a.value)));
  const header = Buffer.alloc(20);
  header.writeUInt16BE(method, 0);
  header.writeUInt16BE(body.length + (key ? 24 : 0), 2);
  header.writeUInt32BE(MAGIC_COOKIE, 4);
  transaction.copy(header, 8);
  const message = Buffer.concat([header, body]);
  if (!key) return message;
  const integrity = createHmac('sha1', key).update(message).digest();
  return Buffer.concat([message, attribute(ATTR.MESSAGE_INTEGRITY, integrity)]);
}

function decode(message: Buffer): Response {
  const type = message.readUInt16BE(0);
  const length = message.readUInt16BE(2);
  const attributes = new Map<number, Buffer>();
  for (let offset = 20; offset + 4 <= 20 + length; ) {
    const attributeType = message.readUInt16BE(offset);
    const attributeLength = message.readUInt16BE(offset + 2);
    attributes.set(attributeType, message.subarray(offset + 4, offset + 4 + attributeLength));
    offset += 4 + attributeLength + ((4 - (attributeLength % 4)) % 4);
  }
  const error = attributes.get(ATTR.ERROR_CODE);
  return {
    success: (type & 0x0110) === SUCCESS,
    code: error ? (error[2]! & 0x7) * 100 + error[3]! : 0,
    reason: error ? error.subarray(4).toString() : '',
    attributes,
  };
}

/** XOR-PEER-ADDRESS for `ip` (port 9, never used: nothing is sent to the peer). */
function xorPeerAddress(ip: string, transaction: Buffer): Buffer {
  const port = 9;
  if (isIPv4(ip)) {
    const value = Buffer.alloc(8);
    value.writeUInt8(0x01, 1);
    value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
    const address = ip.split('.').reduce((sum, part) => sum * 256 + Number(part), 0);
    value.writeUInt32BE((address ^ MAGIC_COOKIE) >>> 0, 4);
    return value;
  }
  if (!isIPv6(ip)) throw new Error(`not an IP address: ${ip}`);
  const value = Buffer.alloc(20);
  value.writeUInt8(0x02, 1);
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const mask = Buffer.alloc(16);
  mask.writeUInt32BE(MAGIC_COOKIE, 0);
  transaction.copy(mask, 4);
  const address = ipv6Bytes(ip);
  for (let i = 0; i < 16; i += 1) value[4 + i] = address[i]! ^ mask[i]!;
  return value;
}

function ipv6Bytes(ip: string): Buffer {
  let text = ip;
  const dotted = /(\d+\.\d+\.\d+\.\d+)$/.exec(text);
  if (dotted) {
    const parts = dotted[1]!.split('.').map(Number);
    const high = ((parts[0]! << 8) | parts[1]!).toString(16);
    const low = ((parts[2]! << 8) | parts[3]!).toString(16);
    text = `${text.slice(0, -dotted[1]!.length)}${high}:${low}`;
  }
  const [head, tail] = text.split('::') as [string, string | undefined];
  const headGroups = head ? head.split(':') : [];
  const tailGroups = tail ? tail.split(':') : [];
  const zeros = Array<string>(8 - headGroups.length - tailGroups.length).fill('0');
  const groups = tail === undefined ? headGroups : [...headGroups, ...zeros, ...tailGroups];
  const bytes = Buffer.alloc(16);
  groups.forEach((group, i) => bytes.writeUInt16BE(parseInt(group, 16), i * 2));
  return bytes;
}

/** Sends `request` until a response with its transaction id arrives (UDP: retransmit). */
function exchange(socket: Socket, port: number, transaction: Buffer, request: Buffer): Promise<Response> {
  return new Promise((resolve, reject) => {
    let attempts = 0;
    let timer: NodeJS.Timeout | undefined;
    const onMessage = (message: Buffer) => {
      if (message.length < 20 || !message.subarray(8, 20).equals(transaction)) return;
      clearTimeout(timer);
      socket.removeListener('message', onMessage);
      resolve(decode(message));
    };
    const send = () => {
      attempts += 1;
      if (attempts > 5) {
        socket.removeListener('message', onMessage);
        reject(new Error('no answer from the TURN server'));
        return;
      }
      socket.send(request, port, '127.0.0.1');
      timer = setTimeout(send, 250 * attempts);
    };
    socket.on('message', onMessage);
    send();
  });
}

export interface PermissionAnswer {
  peer: string;
  /** 0 when the server granted the permission, else its error code (403: Forbidden IP). */
  code: number;
  reason: string;
}

/**
 * Allocates a relay of `family` on the TURN server at 127.0.0.1:`port` as `username` /
 * `password` (TURN REST credentials), then asks for a permission to each peer in turn.
 */
export async function askPermissions(
  port: number,
  username: string,
  password: string,
  family: 'ipv4' | 'ipv6',
  peers: string[],
): Promise<PermissionAnswer[]> {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', () => resolve()));
  try {
    const allocation: Attribute[] = [
      { type: ATTR.REQUESTED_TRANSPORT, value: Buffer.from([17, 0, 0, 0]) },
      { type: ATTR.REQUESTED_ADDRESS_FAMILY, value: Buffer.from([family === 'ipv4' ? 0x01 : 0x02, 0, 0, 0]) },
    ];
    // The first Allocate is refused with 401 and the server's realm and nonce.
    const transaction = randomBytes(12);
    let answer = await exchange(socket, port, transaction, encode(ALLOCATE, transaction, allocation));
    if (answer.code !== 401) throw new Error(`unauthenticated Allocate answered ${answer.code} ${answer.reason}`);
    const realm = answer.attributes.get(ATTR.REALM)!;
    let nonce = answer.attributes.get(ATTR.NONCE)!;
    const key = createHash('md5').update(`${username}:${realm.toString()}:${password}`).digest();
    /** A signed request; `attributes` gets its transaction id (XOR-PEER-ADDRESS depends on it). */
    const signed = (method: number, attributes: (transaction: Buffer) => Attribute[]) => {
      const id = randomBytes(12);
      const auth: Attribute[] = [
        { type: ATTR.USERNAME, value: Buffer.from(username) },
        { type: ATTR.REALM, value: realm },
        { type: ATTR.NONCE, value: nonce },
      ];
      return exchange(socket, port, id, encode(method, id, [...attributes(id), ...auth], key));
    };
    const request = async (method: number, attributes: (transaction: Buffer) => Attribute[]) => {
      let response = await signed(method, attributes);
      if (response.code === 438) {
        nonce = response.attributes.get(ATTR.NONCE)!;
        response = await signed(method, attributes);
      }
      return response;
    };
    answer = await request(ALLOCATE, () => allocation);
    if (!answer.success) throw new Error(`Allocate (${family}) refused: ${answer.code} ${answer.reason}`);

    const answers: PermissionAnswer[] = [];
    for (const peer of peers) {
      const response = await request(CREATE_PERMISSION, (id) => [
        { type: ATTR.XOR_PEER_ADDRESS, value: xorPeerAddress(peer, id) },
      ]);
      answers.push({ peer, code: response.success ? 0 : response.code, reason: response.reason });
    }
    return answers;
  } finally {
    socket.close();
  }
}
