import { randomUUID } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { createServer as createHttpServer, type Server as HttpServer } from 'node:http';
import { createServer as createHttpsServer, type Server as HttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { join } from 'node:path';
import express from 'express';
import { createLogger } from '@madoguchi/protocol/logger';
import { databaseProbe, databaseProvider, resolveDatabaseUrl, sqliteFilePath, type PrismaClient } from '@madoguchi/db';
import { RecordsSettings } from '@madoguchi/protocol';
import { SfuNode } from '@madoguchi/sfu';
import { errorHandler, sendError } from './api/errors.ts';
import { createApiRouter } from './api/routes.ts';
import { StaffSessions } from './auth/StaffSessions.ts';
import { TokenService } from './auth/TokenService.ts';
import { systemClock, type Clock } from './clock.ts';
import type { Config } from './config.ts';
import { WILDCARD_ADDRESSES, lanAddresses } from './lanAddresses.ts';
import { ensureLocalCertificates, serverCertificateNames, type LocalCertificates } from './tls/localCertificates.ts';
import { CA_PATH, listenerWithRedirect } from './web/tlsPort.ts';
import { Coturn } from './turn/Coturn.ts';
import { IceServers } from './turn/IceServers.ts';
import { DEFAULT_LOGIN_LIMITS, LoginThrottle } from './auth/LoginThrottle.ts';
import { PairingCodes } from './PairingCodes.ts';
import { ClerkPins } from './clerk/ClerkPins.ts';
import { HelpDesk } from './clerk/HelpDesk.ts';
import { AnnotationBoard } from './annotations/AnnotationBoard.ts';
import { GuestDesk } from './guests/GuestDesk.ts';
import { attachGuestGateway, createGuestNotifier } from './guests/GuestGateway.ts';
import { GuestTokens } from './guests/GuestTokens.ts';
import { ConsultationService } from './consultations/ConsultationService.ts';
import { loadHeldConsultations } from './consultations/heldConsultations.ts';
import { NetworkProbes } from './probes/NetworkProbes.ts';
import { attachGateway, createNotifier, createSocketServer, type GatewayServer } from './gateway/Gateway.ts';
import { createLocalBackend } from './gateway/SignalingBackend.ts';
import { ConsultationRecorder } from './records/ConsultationRecorder.ts';
import { AuditLog } from './records/AuditLog.ts';
import { FeedbackService } from './records/FeedbackService.ts';
import { BoothCheckIn } from './reservations/BoothCheckIn.ts';
import { ReservationService } from './reservations/ReservationService.ts';
import { PublicBookingDesk } from './reservations/PublicBookingDesk.ts';
import { RoutingSettingsStore } from './routing/RoutingSettingsStore.ts';
import { StillService } from './stills/StillService.ts';
import { DocumentService } from './documents/DocumentService.ts';
import { FormService } from './forms/FormService.ts';
import { BoothPrinter } from './documents/BoothPrinter.ts';
import { RetentionJob } from './records/RetentionJob.ts';
import { SettingsStore } from './records/SettingsStore.ts';
import { enforcePrivateModes } from './dataAtRest.ts';
import { RedisAttemptLog } from './cluster/RedisAttemptLog.ts';
import { RedisPairingCodes } from './cluster/RedisPairingCodes.ts';
import { RedisSessionChanges } from './cluster/RedisSessionChanges.ts';
import { RelayedSocketsServer } from './cluster/SocketRelay.ts';
import { SharedRedis } from './cluster/SharedRedis.ts';
import { createOriginCheck } from './web/origins.ts';
import { securityHeaders } from './web/securityHeaders.ts';

const logger = createLogger('server');

/** How long shutdown waits for record events held while the database could not be written. */
const RECORDS_SHUTDOWN_WAIT_MS = 10_000;

export interface MadoguchiServer {
  /** Base URL the server listens on. */
  url: string;
  /** The server's own CA and certificate, when it serves HTTPS with them (TLS=local). */
  localCertificates?: LocalCertificates;
  httpServer: HttpServer;
  io: GatewayServer;
  sfu: SfuNode;
  /** The network check's probe transports (tests watch them close). */
  probes: NetworkProbes;
  tokens: TokenService;
  sessions: StaffSessions;
  consultations: ConsultationService;
  recorder: ConsultationRecorder;
  stills: StillService;
  documents: DocumentService;
  forms: FormService;
  retention: RetentionJob;
  /** Guests by link: their invitations and their part in calls. */
  guests: GuestDesk;
  /** With REDIS_URL: runs the sockets of edge nodes while this node holds the city's lease. */
  relayedSockets?: RelayedSocketsServer;
  close(): Promise<void>;
}

export interface StartOptions {
  config: Config;
  db: PrismaClient;
  clock?: Clock;
}

/**
 * Wire the whole server: SFU, records, consultation lifecycle, REST API, socket gateway and the
 * two built browser apps, in one process. Everything started here is closed by close().
 */
export async function startServer({ config, db, clock = systemClock }: StartOptions): Promise<MadoguchiServer> {
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
  const probe = databaseProbe(databaseUrl);
  const recorder = new ConsultationRecorder(config.databaseUrl, { busyTimeoutMs: config.databaseBusyTimeoutMs });
  const audit = new AuditLog(db, () => clock.now());
  const settings = new SettingsStore(db, audit, RecordsSettings.parse(config.records));
  await settings.get(); // latest() is known before the first chat message
  const retention = new RetentionJob(db, settings, audit, clock);

  const redis = config.redisUrl ? await SharedRedis.connect(config.redisUrl) : undefined;
  const sfu = await SfuNode.start({
    numWorkers: config.media.workers,
    listenIp: config.media.listenIp,
    announcedIp: config.media.announcedIp,
    port: config.media.port,
    maxIncomingBitrate: config.media.maxIncomingBitrate,
  }).catch(async (error: unknown) => {
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

  let consultations: ConsultationService;
  const routingSettings = new RoutingSettingsStore(db);
  const notifier = createNotifier(io, { clustered: redis !== undefined });
  try {
    consultations = new ConsultationService({
      db,
      sfu,
      recorder,
      notifier,
      clock,
      departments: await routingSettings.list(),
      resumeWindows: config.resumeWindows,
      qualitySampleMs: config.qualitySampleMs,
      keepsChatTranscript: () => settings.latest().keepChatTranscript,
      audit,
      tellsResidentOfSupervision: () => settings.latest().tellResidentOfSupervision,
    });
    await consultations.restore(await loadHeldConsultations(db));
  } catch (error) {
    io.close();
    await sfu.close();
    await redis?.close();
    throw error;
  }
  const documents = new DocumentService({
    db,
    consultations,
    notifier,
    audit,
    recorder,
    clock,
    dir: config.documents.dir,
    retentionMs: config.documents.retentionMs,
  });
  const annotations = new AnnotationBoard({ consultations, notifier, sentPage: (consultationId, documentId, page) => documents.sentPage(consultationId, documentId, page) });
  const stills = new StillService({
    db,
    consultations,
    annotations,
    notifier,
    audit,
    recorder,
    clock,
    dir: config.stills.dir,
    retentionMs: config.stills.retentionMs,
  });
  const forms = new FormService({
    db,
    consultations,
    notifier,
    audit,
    recorder,
    clock,
    dir: config.documents.dir,
    retentionMs: config.documents.signedFormRetentionMs,
  });
  const printer = new BoothPrinter({ db, consultations, notifier, recorder, clock });
  const sessions = new StaffSessions({ db, clock, notifier, consultations, changes: redis && new RedisSessionChanges(redis) });
  await sessions.listen();
  const tokens = new TokenService(db, config.jwtSecret, config.staffTokenTtl, sessions);
  // Attempts are counted where every node sees them when the nodes share a Redis.
  const now = () => clock.now().getTime();
  const attemptLog = redis ? (name: string, windowMs: number) => new RedisAttemptLog({ redis: redis.commands, name, windowMs, now }) : undefined;
  const loginLimits = { clock, ...DEFAULT_LOGIN_LIMITS, ...config.login };
  const loginThrottle = new LoginThrottle(loginLimits, attemptLog?.('login', loginLimits.windowMs));
  const clerkPins = new ClerkPins({ db, clock, gate: (check) => loginThrottle.gate(check) });
  const help = new HelpDesk({ db, notifier, audit, clock });
  await help.restore();
  const probes = new NetworkProbes({ sfu, clock });
  const reservations = new ReservationService({ db, routingSettings, clock });
  const boothCheckIn = new BoothCheckIn({ reservations, consultations, recorder });
  const { publicBooking } = config;
  const publicBookingDesk = publicBooking && new PublicBookingDesk({ reservations, clock, city: publicBooking.city, limits: publicBooking, attempts: attemptLog });
  const guests = new GuestDesk({
    consultations,
    tokens: new GuestTokens(config.jwtSecret, () => clock.now()),
    recorder,
    notifier,
    guests: createGuestNotifier(io),
    clock,
    linkTtlMs: config.guestLinkTtlMs,
    resumeMs: config.resumeWindows.tabletMs,
  });
  const domain = { consultations, annotations, feedback: new FeedbackService(db, recorder, clock), stills, documents, forms, printer, clerkPins, help, iceServers, probes, boothCheckIn, guests };
  const backend = createLocalBackend(io, domain);
  attachGateway(io, { tokens, sessions }, backend, config.socketLimits);
  // With other nodes: while this node holds the city's lease, the sockets of edge nodes are run here.
  const relayedSockets = redis ? await RelayedSocketsServer.start({ redis, nodeId: randomUUID(), backend }) : undefined;
  attachGuestGateway(io, guests, iceServers, config.socketLimits);

  app.disable('x-powered-by');
  app.set('trust proxy', config.trustProxy);
  app.use(securityHeaders({ tls: Boolean(tls) }));
  app.use('/api', (req, res, next) => {
    if (originAllowed(req.headers)) next();
    else sendError(res, 'FORBIDDEN', 'requests from this page’s origin are not accepted');
  });
  app.use(express.json({ limit: '64kb' }));
  const pairingCodes = redis ? new RedisPairingCodes(redis.commands) : new PairingCodes(clock);
  app.use('/api', createApiRouter({ db, databaseProbe: probe, tokens, sessions, loginThrottle, pairingCodes, sfu, consultations, notifier, routingSettings, audit, settings, stills, documents, forms, recorder, clerkPins, reservations, publicBooking: publicBookingDesk, clock }));
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
    await relayedSockets?.close();
    await sfu.close();
    await redis?.close();
    throw error;
  }
  stills.startRetention();
  documents.startRetention();
  forms.startRetention();
  retention.start();
  const { port } = listener.address() as AddressInfo;
  const host = WILDCARD_ADDRESSES.has(config.host) ? '127.0.0.1' : config.host;

  let closing: Promise<void> | undefined;
  return {
    url: `${tls ? 'https' : 'http'}://${host}:${port}`,
    localCertificates,
    httpServer,
    io,
    sfu,
    probes,
    tokens,
    sessions,
    consultations,
    recorder,
    stills,
    documents,
    forms,
    retention,
    guests,
    relayedSockets,
    close: () =>
      (closing ??= (async () => {
        // Edge nodes' sockets first: the lease goes to another node while this one winds down.
        await relayedSockets?.close();
        stills.close();
        guests.close();
        documents.shutdown();
        forms.shutdown();
        printer.close();
        annotations.close();
        await retention.stop();
        // Ending the calls records them and waits for the recorder, which gives up after a while
        // if the database cannot be written (logging what it could not write).
        const consultationsClosed = consultations.close();
        await recorder.close(RECORDS_SHUTDOWN_WAIT_MS);
        await consultationsClosed;
        await new Promise<void>((resolve) => io.close(() => resolve()));
        if (listener !== httpServer) listener.close();
        await turn?.close();
        await sfu.close();
        await sessions.close();
        await redis?.close();
      })()),
  };
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
