import { createHash, createHmac, randomBytes } from 'node:crypto';
import { createSocket } from 'node:dgram';

/**
 * Just enough of a TURN client (RFC 5766 over UDP) to ask a real coturn what a browser would: may
 * this credential allocate a relay, and may that relay reach a given peer. Answers are the STUN
 * error codes (401 bad or expired credential, 403 peer forbidden) or 'ok'.
 */
const MAGIC_COOKIE = 0x2112a442;
const ALLOCATE = 0x0003;
const CREATE_PERMISSION = 0x0008;
const REFRESH = 0x0004;
/** The class bits of a STUN message type: success response. */
const SUCCESS = 0x0100;
const ATTR = { USERNAME: 0x0006, MESSAGE_INTEGRITY: 0x0008, ERROR_CODE: 0x0009, LIFETIME: 0x000d, XOR_PEER_ADDRESS: 0x0012, REALM: 0x0014, NONCE: 0x0015, REQUESTED_TRANSPORT: 0x0019 };

type Attribute = [type: number, value: Buffer];

function attribute([type, value]: Attribute): Buffer {
  const header = Buffer.alloc(4);
  header.writeUInt16BE(type, 0);
  header.writeUInt16BE(value.length, 2);
  return Buffer.concat([header, value, Buffer.alloc((4 - (value.length % 4)) % 4)]);
}

function message(method: number, attributes: Attribute[], key?: Buffer): Buffer {
  const transaction = randomBytes(12);
  const header = (length: number) => {
    const buffer = Buffer.alloc(20);
    buffer.writeUInt16BE(method, 0);
    buffer.writeUInt16BE(length, 2);
    buffer.writeUInt32BE(MAGIC_COOKIE, 4);
    transaction.copy(buffer, 8);
    return buffer;
  };
  const body = Buffer.concat(attributes.map(attribute));
  if (!key) return Buffer.concat([header(body.length), body]);
  // MESSAGE-INTEGRITY covers everything before it, with the length already counting it (24 bytes).
  const integrity = createHmac('sha1', key).update(Buffer.concat([header(body.length + 24), body])).digest();
  return Buffer.concat([header(body.length + 24), body, attribute([ATTR.MESSAGE_INTEGRITY, integrity])]);
}

function parse(packet: Buffer): { type: number; attributes: Map<number, Buffer> } {
  const attributes = new Map<number, Buffer>();
  for (let offset = 20; offset + 4 <= packet.length; ) {
    const type = packet.readUInt16BE(offset);
    const length = packet.readUInt16BE(offset + 2);
    attributes.set(type, packet.subarray(offset + 4, offset + 4 + length));
    offset += 4 + length + ((4 - (length % 4)) % 4);
  }
  return { type: packet.readUInt16BE(0), attributes };
}

function xorPeerAddress(ip: string, port: number): Buffer {
  const value = Buffer.alloc(8);
  value.writeUInt8(0x01, 1); // IPv4
  value.writeUInt16BE(port ^ (MAGIC_COOKIE >>> 16), 2);
  const address = ip.split('.').reduce((sum, octet) => sum * 256 + Number(octet), 0);
  value.writeUInt32BE((address ^ MAGIC_COOKIE) >>> 0, 4);
  return value;
}

export type TurnAnswer = 'ok' | number;

/** A TURN session against one server, with one credential. */
export async function turnSession(host: string, port: number, username: string, password: string) {
  const socket = createSocket('udp4');
  await new Promise<void>((resolve) => socket.bind(0, '127.0.0.1', resolve));
  const exchange = (packet: Buffer) =>
    new Promise<ReturnType<typeof parse>>((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`no TURN answer from ${host}:${port}`)), 3_000);
      socket.once('message', (reply) => {
        clearTimeout(timer);
        resolve(parse(reply));
      });
      socket.send(packet, port, host);
    });
  const answer = ({ type, attributes }: ReturnType<typeof parse>): TurnAnswer => {
    if ((type & 0x0110) === SUCCESS) return 'ok';
    const code = attributes.get(ATTR.ERROR_CODE);
    return code ? code.readUInt8(2) * 100 + code.readUInt8(3) : -1;
  };

  // The first request, without credentials, is answered 401 with the realm and a nonce to use.
  const challenge = await exchange(message(ALLOCATE, [[ATTR.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0])]]));
  const realm = challenge.attributes.get(ATTR.REALM)!;
  const nonce = challenge.attributes.get(ATTR.NONCE)!;
  const key = createHash('md5').update(`${username}:${realm.toString()}:${password}`).digest();
  const signed = (method: number, attributes: Attribute[]) =>
    message(method, [...attributes, [ATTR.USERNAME, Buffer.from(username)], [ATTR.REALM, realm], [ATTR.NONCE, nonce]], key);

  return {
    allocate: async (): Promise<TurnAnswer> => answer(await exchange(signed(ALLOCATE, [[ATTR.REQUESTED_TRANSPORT, Buffer.from([17, 0, 0, 0])]]))),
    permit: async (peerIp: string): Promise<TurnAnswer> => answer(await exchange(signed(CREATE_PERMISSION, [[ATTR.XOR_PEER_ADDRESS, xorPeerAddress(peerIp, 9)]]))),
    close: async (): Promise<void> => {
      await exchange(signed(REFRESH, [[ATTR.LIFETIME, Buffer.alloc(4)]])).catch(() => undefined);
      socket.close();
    },
  };
}
