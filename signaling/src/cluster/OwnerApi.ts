import { createHmac, timingSafeEqual } from 'node:crypto';
import http, { type IncomingHttpHeaders } from 'node:http';
import https from 'node:https';
import { isIP } from 'node:net';
import { pipeline } from 'node:stream';
import type { Request, RequestHandler, Response } from 'express';
import type { Redis } from 'ioredis';
import { createLogger } from '@madoguchi/protocol/logger';
import { sendError } from '../api/errors.ts';
import { askRedis, sayToRedisOnClose } from './askRedis.ts';
import { OwnerLease } from './OwnerLease.ts';

const logger = createLogger('owner-api');

/** How long a node's published address outlives its last refresh: a dead node's lapses after this. */
const API_ADDRESS_TTL_MS = 30_000;
/** How long the owner may stay silent (no byte either way) before a passed request is given up. */
const PROXY_TIMEOUT_MS = 15_000;

const CLIENT_ADDRESS = 'x-madoguchi-client-address';
const CLIENT_SIGNATURE = 'x-madoguchi-client-signature';

/** Headers about one connection, not the message (RFC 9110 7.6.1): never passed on. */
const HOP_BY_HOP = new Set(['connection', 'keep-alive', 'proxy-authenticate', 'proxy-authorization', 'proxy-connection', 'te', 'trailer', 'transfer-encoding', 'upgrade']);

const UNAVAILABLE_MESSAGE = 'the server that runs the city cannot be reached just now; try again shortly';

const apiKey = (nodeId: string) => `madoguchi:node:${nodeId}:api`;

/**
 * Where a node's HTTP API is (`scheme://host:port`), in the shared Redis, so that edge nodes can
 * pass `/api` requests to whichever node holds the city: refreshed every third of its lifetime
 * while published, so a dead node's address lapses; close() stops the refresh and removes it.
 */
export class ApiAddress {
  readonly #redis: Redis;
  readonly #key: string;
  readonly #url: string;
  readonly #ttlMs: number;
  readonly #timer: ReturnType<typeof setInterval>;

  private constructor(redis: Redis, nodeId: string, url: string, ttlMs: number) {
    this.#redis = redis;
    this.#key = apiKey(nodeId);
    this.#url = url;
    this.#ttlMs = ttlMs;
    this.#refresh();
    this.#timer = setInterval(() => this.#refresh(), ttlMs / 3);
  }

  static publish({ redis, nodeId, url, ttlMs = API_ADDRESS_TTL_MS }: { redis: Redis; nodeId: string; url: string; ttlMs?: number }): ApiAddress {
    return new ApiAddress(redis, nodeId, url, ttlMs);
  }

  /** Where `nodeId`'s API is, or null when it has not published it (or died). */
  static async of(redis: Redis, nodeId: string): Promise<string | null> {
    return redis.get(apiKey(nodeId));
  }

  async close(): Promise<void> {
    clearInterval(this.#timer);
    await sayToRedisOnClose(() => this.#redis.del(this.#key));
  }

  #refresh(): void {
    // A refresh Redis did not take is retried by the next; the address lapses only after three.
    this.#redis.set(this.#key, this.#url, 'PX', this.#ttlMs).catch((error: unknown) => logger.warn('API address not refreshed:', (error as Error).message));
  }
}

export interface OwnerApiProxyOptions {
  redis: Redis;
  /** What is owned, as for the OwnerLease (CITY). */
  name: string;
  /** The nodes' shared secret (the JWT secret): signs the client's address for the owner. */
  secret: string;
  /** The CA the owner's certificate is checked against when its address is https (default: the system's). */
  ca?: string | Buffer;
  timeoutMs?: number;
}

/**
 * An edge node's `/api`: every request is passed, streamed, to the node that holds the city's
 * lease, at the address it published, and its answer streamed back — so mount it before any body
 * parser. The client's address as this node sees it goes along, signed (trustForwardedClient), so
 * that the owner's limits count the client and not the edge. An owner that cannot be found or
 * reached is UNAVAILABLE for the client to retry; once its answer has started, a break cuts the
 * client's response (a status was already sent).
 */
export function createOwnerApiProxy({ redis, name, secret, ca, timeoutMs = PROXY_TIMEOUT_MS }: OwnerApiProxyOptions): RequestHandler {
  return async (req, res) => {
    const abort = new AbortController();
    // Registered before the look-up: a client gone meanwhile aborts the request before it starts.
    res.once('close', () => {
      if (!res.writableFinished) abort.abort();
    });
    let address: string | null;
    try {
      address = await askRedis(async () => {
        const holder = await OwnerLease.holderOf(redis, name);
        return holder === null ? null : ApiAddress.of(redis, holder);
      }, 'cannot look the owner up');
    } catch (error) {
      return unavailable(req, res, (error as Error).message);
    }
    if (address === null) return unavailable(req, res, 'no node runs the city, or it has not published its address');

    const url = new URL(address);
    const secure = url.protocol === 'https:';
    const hostname = url.hostname.replace(/^\[(.*)\]$/, '$1'); // an IPv6 address without its brackets
    const upstream = (secure ? https : http).request(url, {
      method: req.method,
      path: req.originalUrl,
      headers: forwardedHeaders(req, secret),
      timeout: timeoutMs,
      signal: abort.signal,
      // The Host header is the client's: TLS checks the owner's own name (an IP address is no SNI name).
      ...(secure && { ca, servername: isIP(hostname) ? '' : hostname }),
    });
    upstream.on('timeout', () => upstream.destroy(new Error(`no answer in ${timeoutMs} ms`)));
    upstream.on('error', (error) => {
      if (abort.signal.aborted) return; // the client went away: nobody to answer
      if (res.headersSent) res.destroy();
      else unavailable(req, res, error.message);
    });
    upstream.on('response', (answer) => {
      res.writeHead(answer.statusCode!, withoutHopByHop(answer.headers));
      // A break on either side ends both: the client's response is cut, the owner's answer dropped.
      pipeline(answer, res, () => {});
    });
    // Not pipeline: it would destroy the request (and its socket) on the owner's failure, before the 503.
    req.pipe(upstream);
  };
}

/**
 * Every node's `/api`, before the routes: a request an edge passed here carries the client's
 * address signed with the nodes' secret, which becomes `req.ip`; unsigned or wrongly signed, it is
 * ignored (the request keeps its own address). Either way the headers are removed.
 */
export function trustForwardedClient(secret: string): RequestHandler {
  return (req, _res, next) => {
    const address = req.headers[CLIENT_ADDRESS];
    const signature = req.headers[CLIENT_SIGNATURE];
    delete req.headers[CLIENT_ADDRESS];
    delete req.headers[CLIENT_SIGNATURE];
    if (typeof address === 'string' && typeof signature === 'string' && signatureValid(address, signature, secret)) {
      // express's req.ip is a getter on the prototype: an own property hides it for this request.
      Object.defineProperty(req, 'ip', { value: address, configurable: true });
    }
    next();
  };
}

/** The signature of a client's address: prefixed so that it can never be taken for a JWT's, made with the same secret. */
function sign(address: string, secret: string): string {
  return createHmac('sha256', secret).update(`client-address:${address}`).digest('hex');
}

function signatureValid(address: string, signature: string, secret: string): boolean {
  const expected = Buffer.from(sign(address, secret));
  const given = Buffer.from(signature);
  return given.length === expected.length && timingSafeEqual(given, expected);
}

/**
 * What the owner is sent: the client's headers (its Host too: the owner's origin check compares it)
 * but for the hop-by-hop ones and any client-address header a client made up, replaced by the
 * address this node sees, signed.
 */
function forwardedHeaders(req: Request, secret: string): IncomingHttpHeaders {
  const headers = Object.fromEntries(Object.entries(withoutHopByHop(req.headers)).filter(([name]) => !name.startsWith('x-madoguchi-client')));
  // No address (its socket already closed): the request goes unsigned and the owner sees the edge.
  return req.ip === undefined ? headers : { ...headers, [CLIENT_ADDRESS]: req.ip, [CLIENT_SIGNATURE]: sign(req.ip, secret) };
}

/** `headers` without the hop-by-hop ones, those named in its Connection header included. */
function withoutHopByHop(headers: IncomingHttpHeaders): IncomingHttpHeaders {
  const dropped = new Set([...HOP_BY_HOP, ...(headers.connection ?? '').split(',').map((name) => name.trim().toLowerCase())]);
  return Object.fromEntries(Object.entries(headers).filter(([name]) => !dropped.has(name)));
}

function unavailable(req: Request, res: Response, reason: string): void {
  logger.warn(`${req.method} ${req.originalUrl.split('?')[0]} not passed to the city’s owner: ${reason}`);
  sendError(res, 'UNAVAILABLE', UNAVAILABLE_MESSAGE);
}
