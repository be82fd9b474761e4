import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { createLogger } from '@madoguchi/protocol/logger';
import { databaseProvider, resolveDatabaseUrl, sqliteFilePath, type PrismaClient } from '@madoguchi/db';
import { GUEST_NAMESPACE } from '@madoguchi/protocol';
import { SfuNode, type MediaNode } from '@madoguchi/sfu';
import { errorHandler, sendError } from './api/errors.ts';
import { StaffSessions } from './auth/StaffSessions.ts';
import { TokenService } from './auth/TokenService.ts';
import { DEFAULT_LOGIN_LIMITS, LoginThrottle } from './auth/LoginThrottle.ts';
import { startCity, type City, type CityInfrastructure } from './city.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { ClusterNode } from './cluster/ClusterNode.ts';
import { ApiAddress, createOwnerApiProxy, trustForwardedClient } from './cluster/OwnerApi.ts';
import { RedisAttemptLog } from './cluster/RedisAttemptLog.ts';
import { RedisPairingCodes } from './cluster/RedisPairingCodes.ts';
import { RedisSessionChanges } from './cluster/RedisSessionChanges.ts';
import { SharedRedis } from './cluster/SharedRedis.ts';
import { CITY } from './cluster/SocketRelay.ts';
import type { ConsultationService } from './consultations/ConsultationService.ts';
import type { DocumentService } from './documents/DocumentService.ts';
import type { FormService } from './forms/FormService.ts';
import { attachGateway, createNotifier, createSocketServer, type GatewayServer } from './gateway/Gateway.ts';
import { attachGuestGateway } from './guests/GuestGateway.ts';
import type { GuestDesk } from './guests/GuestDesk.ts';
import { WILDCARD_ADDRESSES, lanAddresses } from './lanAddresses.ts';
import { PairingCodes } from './PairingCodes.ts';
import type { NetworkProbes } from './probes/NetworkProbes.ts';
import type { ConsultationRecorder } from './records/ConsultationRecorder.ts';
import type { RetentionJob } from './records/RetentionJob.ts';
import type { StillService } from './stills/StillService.ts';
import { ensureLocalCertificates, serverCertificateNames, type LocalCertificates } from './tls/localCertificates.ts';
import { Coturn } from './turn/Coturn.ts';
import { IceServers } from './turn/IceServers.ts';
import { enforcePrivateModes } from './dataAtRest.ts';
import { createOriginCheck } from './web/origins.ts';
import { securityHeaders } from './web/securityHeaders.ts';
import { CA_PATH, listenerWithRedirect } from './web/tlsPort.ts';

const logger = createLogger('server');

export interface MadoguchiServer {
  /** Base URL the server listens on. */
  url: string;
  /** The server's own CA and certificate, when it serves HTTPS with them (TLS=local). */
  localCertificates?: LocalCertificates;
  httpServer: HttpServer;
  io: GatewayServer;
  sfu: MediaNode;
  tokens: TokenService;
  sessions: StaffSessions;
  /** Whether this node runs the city: always alone; with REDIS_URL, while it holds the city's lease. */
  readonly owner: boolean;
  /** The city this node runs; an edge node has none (reading it throws). */
  readonly city: City;
  /** The network check's probe transports (tests watch them close). */
  readonly probes: NetworkProbes;
  readonly consultations: ConsultationService;
  readonly recorder: ConsultationRecorder;
  readonly stills: StillService;
  readonly documents: DocumentService;
  readonly forms: FormService;
  readonly retention: RetentionJob;
  /** Guests by link: their invitations and their part in calls. */
  readonly guests: GuestDesk;
  /** With REDIS_URL: this node among the others (its role, the sockets edges relayed to it). */
  cluster?: ClusterNode;
  close(): Promise<void>;
  /** Settles once the server has closed: by close(), or by itself (an owner that lost its lease). */
  readonly closed: Promise<void>;
}

export interface StartOptions {
  config: Config;
  db: PrismaClient;
  clock?: Clock;
  /** With REDIS_URL: this node's id among the nodes (a random one by default). */
  nodeId?: string;
}

/**
 * Wire the whole server: SFU, sessions, REST API, socket gateway and the two built browser apps.
 * Alone it runs the city (`startCity`) from the start. With REDIS_URL it is one node among others:
 * an edge that relays its sockets and `/api` to the node holding the city's lease until it takes
 * the lease itself. Everything started here is closed by close(); an owner that loses its lease
 * closes itself (whoever started it restarts it, as an edge).
 */
export async function startServer({ config, db, clock = systemClock, nodeId = randomUUID() }: StartOptions): Promise<MadoguchiServer> {
  const databaseUrl = resolveDatabaseUrl(config.databaseUrl);
  // A PostgreSQL database's files are its server's to keep.
  const databaseFile = databaseProvider(databaseUrl) === 'sqlite' ? sqliteFilePath(databaseUrl) : undefined;
  enforcePrivateModes({
    trees: [config.dataDir, config.stills.dir, config.documents.dir],
    files: [
      ...(databaseFile === undefined || databaseFile === ':memory:' ? [] : [databaseFile, `${databaseFile}-wal`, `${databaseFile}-shm`]),
      ...(config.jwtSecretFile ? [config.jwtSecretFile] : []),
    ],
  });

  const redis = config.redisUrl ? await SharedRedis.connect(config.redisUrl) : undefined;
  const sfu = await startMedia(config, redis, nodeId).catch(async (error: unknown) => {
    await redis?.close();
    throw error;
  });

  // Routes are added once the domain exists; the HTTP server only calls the app per request.
  const app = express();
  // TLS=local: this server's own CA and certificate, made or renewed now.
  const localCertificates =
    config.tls.mode === 'local' ? ensureLocalCertificates(config.tls.dir, serverCertificateNames(config.host, config.media.announcedIp, lanAddresses())) : undefined;
  const certificates = config.tls.mode === 'files' ? config.tls : localCertificates;
  const tls = certificates !== undefined;
  const httpServer = certificates ? createHttpsServer({ cert: readFileSync(certificates.certFile), key: readFileSync(certificates.keyFile) }, app) : createHttpServer(app);
  // With HTTPS, plain HTTP on the same port is only a redirect to it.
  const localAuthority = localCertificates && readFileSync(localCertificates.caFile);
  const listener = tls ? listenerWithRedirect(httpServer as HttpsServer, { authority: localAuthority }) : httpServer;
  const turn = await startTurn(config, certificates);
  // An embedded coturn that could not start is not offered; a city's own TURN always is.
  const offeredTurn = config.turn.mode === 'embedded' && !turn ? { mode: 'off' as const } : config.turn;
  const iceServers = new IceServers({ turn: offeredTurn, forceRelay: config.media.forceRelay, tls, clock });
  const originAllowed = createOriginCheck(config.allowedOrigins);
  const io = createSocketServer(httpServer, originAllowed, redis);
  const notifier = createNotifier(io, { clustered: redis !== undefined });

  let city: City | undefined;
  let cluster: ClusterNode | undefined;
  const runsCity = () => city !== undefined && (cluster?.owner ?? true);
  // Ending a staff member's sessions is the owner's (through its API); the city is there by then.
  const sessions = new StaffSessions({ db, clock, notifier, consultations: { staffSignedOut: (staffId) => city?.consultations.staffSignedOut(staffId) }, changes: redis && new RedisSessionChanges(redis) });
  await sessions.listen();
  const tokens = new TokenService(db, config.jwtSecret, config.staffTokenTtl, sessions);
  // Attempts are counted where every node sees them when the nodes share a Redis.
  const now = () => clock.now().getTime();
  const attemptLog = redis ? (name: string, windowMs: number) => new RedisAttemptLog({ redis: redis.commands, name, windowMs, now }) : undefined;
  const loginLimits = { clock, ...DEFAULT_LOGIN_LIMITS, ...config.login };
  const loginThrottle = new LoginThrottle(loginLimits, attemptLog?.('login', loginLimits.windowMs));
  const pairingCodes = redis ? new RedisPairingCodes(redis.commands) : new PairingCodes(clock);
  const infrastructure: CityInfrastructure = { config, db, clock, sfu, io, notifier, iceServers, sessions, tokens, loginThrottle, pairingCodes, attemptLog };

  const closeStarted = async () => {
    await new Promise<void>((resolve) => io.close(() => resolve()));
    await turn?.close();
    await sfu.close();
    await sessions.close();
    await redis?.close();
  };
  let apiAddress: ApiAddress | undefined;
  let closeSelf = () => {};
  try {
    if (redis) {
      cluster = await ClusterNode.start({
        redis,
        nodeId,
        becomeOwner: async () => {
          city = await startCity(infrastructure);
          return { sockets: city.backend, guests: city.guestBackend };
        },
        ownerChanged: () => reconnectLocalSockets(io),
        leaseLost: () => {
          logger.error('this node lost the city’s lease: another may run the city now, so this one stops');
          closeSelf();
        },
        relayLost: (what, error, connection) => {
          logger.warn(`the owner did not take a socket’s ${what}: ${(error as Error).message}`);
          // Not counted anywhere: it connects again, to be counted by whoever runs the city then.
          if (what === 'connected') io.of('/').sockets.get(connection.id)?.conn.close();
        },
      });
    } else {
      city = await startCity(infrastructure);
    }
  } catch (error) {
    await cluster?.close();
    await closeStarted();
    throw error;
  }
  if (cluster) {
    // A socket that connects while this node takes the city over waits until the city is here.
    const afterPromotion = (_socket: unknown, next: () => void) => void (cluster.promotion ?? Promise.resolve()).then(() => next());
    io.use(afterPromotion);
    io.of(GUEST_NAMESPACE).use(afterPromotion);
  }
  attachGateway(io, { tokens, sessions }, cluster?.backend ?? city!.backend, config.socketLimits);
  attachGuestGateway(io, cluster?.guestBackend ?? city!.guestBackend, config.socketLimits);

  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders({ tls: Boolean(tls) }));
  app.use('/api', (req, res, next) => {
    if (originAllowed(req.headers)) next();
    else sendError(res, 'FORBIDDEN', 'requests from this page’s origin are not accepted');
  });
  app.use('/api', trustForwardedClient(config.jwtSecret));
  // Each node answers this itself (every other /api request of an edge is the owner's): which node
  // runs the city, for an operator's look and a balancer's health check of the node.
  app.get('/api/node', (_req, res) => {
    res.json({ nodeId: cluster ? nodeId : null, role: !cluster ? 'single' : runsCity() ? 'owner' : 'edge' });
  });
  if (redis) {
    // An edge passes /api to the owner as it came (before the body parser).
    const ownerApi = createOwnerApiProxy({ redis: redis.commands, name: CITY, secret: config.jwtSecret, ca: localAuthority });
    app.use('/api', (req, res, next) => (city ? next() : ownerApi(req, res, next)));
  }
  app.use(express.json({ limit: '64kb' }));
  app.use('/api', (req, res, next) => {
    if (city) city.api(req, res, next);
    else sendError(res, 'UNAVAILABLE', 'the city is being taken over by this server; try again shortly');
  });
  app.use('/api', (_req, res) => sendError(res, 'NOT_FOUND', 'no such endpoint'));
  if (localAuthority) app.get(CA_PATH, (_req, res) => res.type('application/x-x509-ca-cert').attachment('madoguchi-ca.crt').send(localAuthority));
  serveApp(app, '/kiosk', config.webClientDir);
  serveApp(app, '/console', config.operatorConsoleDir);
  // A guest's link (GUEST_PAGE_PATH): the web-client's guest page, its assets under /kiosk/.
  servePage(app, '/guest', join(config.webClientDir, 'guest.html'));
  // Residents book a slot from their own phone (PUBLIC_BOOKING): the web-client's booking page.
  servePage(app, '/booking', join(config.webClientDir, 'booking.html'));
  app.get('/', (_req, res) => res.redirect('/console/'));
  app.use(errorHandler);

  try {
    await new Promise<void>((resolve, reject) => {
      listener.once('error', reject);
      listener.listen(config.port, config.host, resolve);
    });
  } catch (error) {
    await cluster?.close();
    await city?.close();
    await closeStarted();
    throw error;
  }
  const { port } = listener.address() as AddressInfo;
  const host = WILDCARD_ADDRESSES.has(config.host) ? '127.0.0.1' : config.host;
  const url = `${tls ? 'https' : 'http'}://${host}:${port}`;
  // Edges find the owner's API here (an owner's own address: behind a balancer, each node's).
  if (redis) apiAddress = ApiAddress.publish({ redis: redis.commands, nodeId, url: config.nodeUrl ?? url });

  const ran = (): City => {
    if (!city) throw new Error('this node is an edge: the city runs on another node');
    return city;
  };
  let closing: Promise<void> | undefined;
  let closed = () => {};
  const whenClosed = new Promise<void>((resolve) => (closed = resolve));
  const close = () =>
    (closing ??= (async () => {
      // Edges' calls first (UNAVAILABLE, retried), then the calls are held and written, and only
      // then the lease goes: the successor finds them held.
      await cluster?.stopServing();
      await city?.close();
      await cluster?.close();
      await apiAddress?.close();
      if (listener !== httpServer) listener.close();
      await closeStarted();
      closed();
    })());
  closeSelf = () => void close();
  return {
    url,
    localCertificates,
    httpServer,
    io,
    sfu,
    tokens,
    sessions,
    cluster,
    get owner() {
      return runsCity();
    },
    get city() {
      return ran();
    },
    get probes() {
      return ran().probes;
    },
    get consultations() {
      return ran().consultations;
    },
    get recorder() {
      return ran().recorder;
    },
    get stills() {
      return ran().stills;
    },
    get documents() {
      return ran().documents;
    },
    get forms() {
      return ran().forms;
    },
    get retention() {
      return ran().retention;
    },
    get guests() {
      return ran().guests;
    },
    close,
    closed: whenClosed,
  };
}

/**
 * Closes the transports of this node's own sockets: the clients connect again at once (a dropped
 * transport is retried, unlike a socket the server ended) and go through the restart path.
 */
function reconnectLocalSockets(io: GatewayServer): void {
  for (const namespace of [io.of('/'), io.of(GUEST_NAMESPACE)]) for (const socket of namespace.sockets.values()) socket.conn.close();
}

/**
 * The embedded coturn, relaying to the SFU only and speaking TLS with the server's certificate.
 * Without it calls still work wherever UDP or the media port's TCP gets through, so a TURN that
 * cannot start is logged loudly rather than stopping the counters.
 */
async function startTurn(config: Config, certificates: { certFile: string; keyFile: string } | undefined): Promise<Coturn | undefined> {
  const turn = config.turn;
  if (turn.mode !== 'embedded') return undefined;
  try {
    return await Coturn.start({
      dir: join(config.dataDir, 'turn'),
      listenIp: config.host,
      port: turn.port,
      tls: certificates ? { port: turn.tlsPort, certFile: certificates.certFile, keyFile: certificates.keyFile } : undefined,
      relayPorts: turn.relayPorts,
      secret: turn.secret,
      peers: [config.media.announcedIp ?? config.media.listenIp],
    });
  } catch (error) {
    logger.error(`TURN is off, so tablets behind networks that let no UDP out cannot carry calls: ${(error as Error).message}`);
    return undefined;
  }
}

/** One built page at a path prefix (and every path below it): its assets are served by the app that built it. */
function servePage(app: express.Express, prefix: string, file: string): void {
  const send = (_req: express.Request, res: express.Response) => {
    if (existsSync(file)) res.sendFile(file);
    else res.status(503).type('text/plain').send(`The page ${file} is not built yet: run npm run setup.`);
  };
  app.get(prefix, send); // with or without the trailing slash (express's routing is not strict)
  app.get(`${prefix}/*rest`, send);
}

/** A built single-page app under a path prefix; unknown paths below it get its index.html. */
function serveApp(app: express.Express, prefix: string, dir: string): void {
  const index = join(dir, 'index.html');
  app.use(prefix, express.static(dir, { index: 'index.html' }));
  app.get(`${prefix}/*rest`, (_req, res) => {
    if (existsSync(index)) res.sendFile(index);
    else res.status(503).type('text/plain').send(`The app in ${dir} is not built yet: run npm run setup.`);
  });
}

/**
 * The calls' media: this process's own mediasoup workers, or (SFU=nodes) the SFU nodes in the
 * registry, which this node drives as `nodeId`.
 */
async function startMedia(config: Config, redis: SharedRedis | undefined, nodeId: string): Promise<MediaNode> {
  if (config.sfuNodes) {
    if (!redis) throw new Error('SFU=nodes needs REDIS_URL');
    const { RemoteSfu } = await import('@madoguchi/sfu/remote');
    return RemoteSfu.start({ redis: redis.commands, secret: config.sfuNodes.secret, controllerId: nodeId });
  }
  return SfuNode.start({
    numWorkers: config.media.workers,
    listenIp: config.media.listenIp,
    announcedIp: config.media.announcedIp,
    port: config.media.port,
    maxIncomingBitrate: config.media.maxIncomingBitrate,
  });
}
