import type { Router } from 'express';
import { databaseProbe, resolveDatabaseUrl, type PrismaClient } from '@madoguchi/db';
import { RecordsSettings } from '@madoguchi/protocol';
import type { MediaNode } from '@madoguchi/sfu';
import { createApiRouter } from './api/routes.ts';
import type { LoginThrottle } from './auth/LoginThrottle.ts';
import type { StaffSessions } from './auth/StaffSessions.ts';
import type { TokenService } from './auth/TokenService.ts';
import type { AttemptLog } from './auth/AttemptWindow.ts';
import type { Clock } from './clock.ts';
import type { Config } from './config.ts';
import type { PairingCodeStore } from './PairingCodes.ts';
import { AnnotationBoard } from './annotations/AnnotationBoard.ts';
import { ClerkPins } from './clerk/ClerkPins.ts';
import { HelpDesk } from './clerk/HelpDesk.ts';
import { ConsultationService, type Notifier } from './consultations/ConsultationService.ts';
import { loadHeldConsultations } from './consultations/heldConsultations.ts';
import { BoothPrinter } from './documents/BoothPrinter.ts';
import { DocumentService } from './documents/DocumentService.ts';
import { FormService } from './forms/FormService.ts';
import type { GatewayServer } from './gateway/Gateway.ts';
import { createLocalBackend, type SignalingBackend } from './gateway/SignalingBackend.ts';
import { GuestDesk } from './guests/GuestDesk.ts';
import { createGuestNotifier, createLocalGuestBackend, type GuestBackend } from './guests/GuestGateway.ts';
import { GuestTokens } from './guests/GuestTokens.ts';
import { NetworkProbes } from './probes/NetworkProbes.ts';
import { AuditLog } from './records/AuditLog.ts';
import { ConsultationRecorder } from './records/ConsultationRecorder.ts';
import { FeedbackService } from './records/FeedbackService.ts';
import { RetentionJob } from './records/RetentionJob.ts';
import { SettingsStore } from './records/SettingsStore.ts';
import { BoothCheckIn } from './reservations/BoothCheckIn.ts';
import { PublicBookingDesk } from './reservations/PublicBookingDesk.ts';
import { ReservationService } from './reservations/ReservationService.ts';
import { RoutingSettingsStore } from './routing/RoutingSettingsStore.ts';
import { StillService } from './stills/StillService.ts';
import type { IceServers } from './turn/IceServers.ts';

/** How long shutdown waits for record events held while the database could not be written. */
const RECORDS_SHUTDOWN_WAIT_MS = 10_000;

/** What the city runs on, made by the node before it runs the city (and kept while it is an edge). */
export interface CityInfrastructure {
  config: Config;
  db: PrismaClient;
  clock: Clock;
  sfu: MediaNode;
  io: GatewayServer;
  notifier: Notifier;
  iceServers: IceServers;
  sessions: StaffSessions;
  tokens: TokenService;
  loginThrottle: LoginThrottle;
  pairingCodes: PairingCodeStore;
  /** The attempt windows every node shares (REDIS_URL); undefined: this process's own. */
  attemptLog: ((name: string, windowMs: number) => AttemptLog) | undefined;
}

/**
 * The city in one process: its consultations and routing, records, documents, guests and the
 * HTTP API over them, restored from the database as a restart does (open consultations are
 * held and resumed). The single process runs it from the start; in a cluster, the node holding the
 * city's lease does. close() holds the calls, writes what is pending and stops every timer.
 */
export interface City {
  consultations: ConsultationService;
  recorder: ConsultationRecorder;
  stills: StillService;
  documents: DocumentService;
  forms: FormService;
  retention: RetentionJob;
  guests: GuestDesk;
  probes: NetworkProbes;
  /** The gateway's backend on the node that runs the city. */
  backend: SignalingBackend;
  /** The guests' gateway's backend there. */
  guestBackend: GuestBackend;
  /** `/api`, mounted after the body parser. */
  api: Router;
  close(): Promise<void>;
}

export async function startCity(infrastructure: CityInfrastructure): Promise<City> {
  const { config, db, clock, sfu, io, notifier, iceServers, sessions, tokens, loginThrottle, pairingCodes, attemptLog } = infrastructure;
  const recorder = new ConsultationRecorder(config.databaseUrl, { busyTimeoutMs: config.databaseBusyTimeoutMs });
  const audit = new AuditLog(db, () => clock.now());
  const settings = new SettingsStore(db, audit, RecordsSettings.parse(config.records));
  const routingSettings = new RoutingSettingsStore(db);
  let consultations: ConsultationService;
  try {
    await settings.get(); // latest() is known before the first chat message
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
    await recorder.close(0);
    throw error;
  }
  const retention = new RetentionJob(db, settings, audit, clock);
  const documents = new DocumentService({ db, consultations, notifier, audit, recorder, clock, dir: config.documents.dir, retentionMs: config.documents.retentionMs });
  const annotations = new AnnotationBoard({ consultations, notifier, sentPage: (consultationId, documentId, page) => documents.sentPage(consultationId, documentId, page) });
  const stills = new StillService({ db, consultations, annotations, notifier, audit, recorder, clock, dir: config.stills.dir, retentionMs: config.stills.retentionMs });
  const forms = new FormService({ db, consultations, notifier, audit, recorder, clock, dir: config.documents.dir, retentionMs: config.documents.signedFormRetentionMs });
  const printer = new BoothPrinter({ db, consultations, notifier, recorder, clock });
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
  const feedback = new FeedbackService(db, recorder, clock);
  const backend = createLocalBackend(io, { consultations, annotations, feedback, stills, documents, forms, printer, clerkPins, help, iceServers, probes, boothCheckIn, guests });
  const api = createApiRouter({
    db,
    databaseProbe: databaseProbe(resolveDatabaseUrl(config.databaseUrl)),
    tokens,
    sessions,
    loginThrottle,
    pairingCodes,
    sfu,
    consultations,
    notifier,
    routingSettings,
    audit,
    settings,
    stills,
    documents,
    forms,
    recorder,
    clerkPins,
    reservations,
    publicBooking: publicBookingDesk,
    clock,
  });
  stills.startRetention();
  documents.startRetention();
  forms.startRetention();
  retention.start();

  let closing: Promise<void> | undefined;
  return {
    consultations,
    recorder,
    stills,
    documents,
    forms,
    retention,
    guests,
    probes,
    backend,
    guestBackend: createLocalGuestBackend(guests, iceServers),
    api,
    close: () =>
      (closing ??= (async () => {
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
      })()),
  };
}
