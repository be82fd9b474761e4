import type { IncomingMessage } from 'node:http';
import type { RequestHandler } from 'express';
import helmet from 'helmet';

/**
 * Cameras and microphones for the apps' own pages only (the console's screen sharing too); no
 * frame of another origin may ask for them, and nothing else is granted.
 */
const PERMISSIONS_POLICY = [
  'camera=(self)',
  'microphone=(self)',
  'display-capture=(self)',
  'geolocation=()',
  'payment=()',
  'usb=()',
  'serial=()',
  'bluetooth=()',
].join(', ');

/** A Host header fit to be named in a policy (anything else would be a header injection). */
const PLAIN_HOST = /^[a-z0-9.-]+(:\d+)?$|^\[[0-9a-f:.]+\](:\d+)?$/i;

/** socket.io's WebSocket to the address the page was loaded from ('self' alone does not name ws: everywhere). */
function ownWebSocket(scheme: 'ws' | 'wss') {
  return (req: IncomingMessage) => {
    const host = req.headers.host ?? '';
    return PLAIN_HOST.test(host) ? `${scheme}://${host}` : "'self'";
  };
}

/**
 * The browser defences of every response, pages and API alike (helmet): a CSP that allows only the
 * apps' own files — no inline script, no frames around them, connections to this server only —
 * nosniff, no Referer leaving the page, COOP, and the permissions policy. Over TLS the browser is
 * also told to keep to HTTPS.
 */
export function securityHeaders({ tls }: { tls: boolean }): RequestHandler[] {
  const protect = helmet({
    contentSecurityPolicy: {
      useDefaults: false,
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        // Stills arrive as blobs from authenticated fetches; video plays MediaStreams.
        imgSrc: ["'self'", 'blob:', 'data:'],
        mediaSrc: ["'self'", 'blob:'],
        fontSrc: ["'self'", 'data:'],
        connectSrc: ["'self'", ownWebSocket(tls ? 'wss' : 'ws')],
        workerSrc: ["'self'"],
        objectSrc: ["'none'"],
        baseUri: ["'none'"],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        ...(tls ? { upgradeInsecureRequests: [] } : {}),
      },
    },
    strictTransportSecurity: tls ? { maxAge: 180 * 24 * 60 * 60 } : false,
    referrerPolicy: { policy: 'no-referrer' },
    crossOriginOpenerPolicy: { policy: 'same-origin' },
    crossOriginResourcePolicy: { policy: 'same-origin' },
    xFrameOptions: { action: 'deny' },
  });
  const permissions: RequestHandler = (_req, res, next) => {
    res.setHeader('Permissions-Policy', PERMISSIONS_POLICY);
    next();
  };
  return [protect, permissions];
}
