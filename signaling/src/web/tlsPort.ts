import { createServer as createHttpServer } from 'node:http';
import type { Server as HttpsServer } from 'node:https';
import { createServer as createNetServer, type Server as NetServer, type Socket } from 'node:net';

/** Where the local CA's certificate is served, over plain HTTP too (it is public). */
export const CA_PATH = '/madoguchi-ca.crt';
/** The first byte of every TLS connection: a handshake record. */
const TLS_HANDSHAKE = 0x16;
/** A connection that says nothing for this long is closed (an idle probe must not hold a socket). */
const FIRST_BYTE_TIMEOUT_MS = 10_000;

/**
 * One port for HTTPS and for its redirect: a clerk who types http://server:8080/kiosk/ (or follows
 * an old bookmark) lands on https://server:8080/kiosk/ instead of a connection error. Each
 * connection goes to the HTTPS server when it starts with a TLS handshake, otherwise to a plain
 * HTTP server that answers every request with a permanent redirect, except the local CA's
 * certificate when there is one.
 */
export function listenerWithRedirect(https: HttpsServer, { authority }: { authority?: Buffer } = {}): NetServer {
  const redirect = createHttpServer((req, res) => {
    if (authority && req.method === 'GET' && req.url === CA_PATH) {
      // A tablet that does not trust the server yet fetches the CA here, and the clerk compares its
      // fingerprint with the one the console shows before installing it.
      res.writeHead(200, { 'Content-Type': 'application/x-x509-ca-cert', 'Content-Disposition': 'attachment; filename="madoguchi-ca.crt"' }).end(authority);
      return;
    }
    const host = req.headers.host;
    if (!host || !/^[A-Za-z0-9.\-[\]:]+$/.test(host)) {
      res.writeHead(400, { 'Content-Type': 'text/plain; charset=utf-8' }).end('Use https:// to reach this server.\n');
      return;
    }
    res.writeHead(308, { Location: `https://${host}${req.url ?? '/'}`, 'Content-Type': 'text/plain; charset=utf-8' });
    res.end(`This server is reached at https://${host}${req.url ?? '/'}\n`);
  });
  const listener = createNetServer((socket: Socket) => {
    socket.setTimeout(FIRST_BYTE_TIMEOUT_MS, () => socket.destroy());
    socket.once('readable', () => {
      const first: Buffer | null = socket.read(1);
      if (!first) return void socket.destroy();
      socket.unshift(first);
      socket.setTimeout(0);
      (first[0] === TLS_HANDSHAKE ? https : redirect).emit('connection', socket);
    });
    socket.on('error', () => socket.destroy());
  });
  listener.on('close', () => redirect.close());
  return listener;
}
