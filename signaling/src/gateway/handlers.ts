import {
  ProtocolError,
  SOURCES_BY_ROLE,
  type ClientAck,
  type ClientEventName,
  type ClientEventNameFrom,
  type ClientPayload,
  type ParticipantRole,
} from '@madoguchi/protocol';
import type { mediasoupTypes } from '@madoguchi/sfu';
import type { AnnotationBoard } from '../annotations/AnnotationBoard.ts';
import { principalKey, type DevicePrincipal, type Principal, type StaffPrincipal } from '../auth/principal.ts';
import type { ClerkPins } from '../clerk/ClerkPins.ts';
import type { HelpDesk } from '../clerk/HelpDesk.ts';
import type { ConsultationService } from '../consultations/ConsultationService.ts';
import type { NetworkProbes } from '../probes/NetworkProbes.ts';
import type { FeedbackService } from '../records/FeedbackService.ts';
import type { GuestDesk } from '../guests/GuestDesk.ts';
import type { BoothCheckIn } from '../reservations/BoothCheckIn.ts';
import type { StillService } from '../stills/StillService.ts';
import type { DocumentService } from '../documents/DocumentService.ts';
import type { FormService } from '../forms/FormService.ts';
import type { BoothPrinter } from '../documents/BoothPrinter.ts';
import type { IceServers } from '../turn/IceServers.ts';

/** What a handler may need of the socket itself. */
export interface Connection {
  /** The socket's id: what owns the connection's network probes. */
  id: string;
  /** The host the browser reached this server at (its Host header, checked), for TURN URLs. */
  host: string | undefined;
}

type Handler<E extends ClientEventName> = (
  principal: Principal,
  payload: ClientPayload<E>,
  connection: Connection,
) => Promise<ClientAck<E>> | ClientAck<E>;

/** Every event a tablet or staff may send (a guest's own events are the guest namespace's: GuestGateway). */
export type Handlers = { [E in ClientEventNameFrom<'device' | 'operator' | 'supervisor'>]: Handler<E> };

// The gateway has checked the sender kind against protocol's `from` before a handler runs.
const asDevice = (principal: Principal) => principal as DevicePrincipal;
const asStaff = (principal: Principal) => principal as StaffPrincipal;

export interface Domain {
  consultations: ConsultationService;
  annotations: AnnotationBoard;
  feedback: FeedbackService;
  stills: StillService;
  documents: DocumentService;
  forms: FormService;
  printer: BoothPrinter;
  clerkPins: ClerkPins;
  help: HelpDesk;
  iceServers: IceServers;
  probes: NetworkProbes;
  boothCheckIn: BoothCheckIn;
  guests: GuestDesk;
}

/** Thin mapping from validated messages to the domain: no state and no rules live here. */
export function createHandlers({ consultations, annotations, feedback, stills, documents, forms, printer, clerkPins, help, iceServers, probes, boothCheckIn, guests }: Domain): Handlers {
  return {
    'consultation:request': (principal, { departmentId }) => consultations.request(asDevice(principal), departmentId),
    'reservation:checkIn': (principal, { code }) => boothCheckIn.checkIn(asDevice(principal), { code }),
    'reservation:today': async (principal, { pin }) => {
      await clerkPins.authorizeNames(asDevice(principal), pin);
      return { reservations: await boothCheckIn.today(asDevice(principal)) };
    },
    'reservation:checkInById': async (principal, { pin, reservationId }) => {
      await clerkPins.authorizeNames(asDevice(principal), pin);
      return boothCheckIn.checkIn(asDevice(principal), { id: reservationId });
    },
    'consultation:cancel': (principal, { consultationId }) => {
      consultations.cancel(asDevice(principal), consultationId);
      return {};
    },
    'consultation:end': (principal, { consultationId }) => {
      consultations.end(principal, consultationId);
      return {};
    },
    'consultation:rate': async (principal, { consultationId, score, comment }) => {
      await feedback.rate(asDevice(principal), consultationId, score, comment);
      return {};
    },
    'consultation:callback': async (principal, { consultationId, name, phone }) => {
      await consultations.requestCallback(asDevice(principal), consultationId, name, phone);
      return {};
    },
    'consultation:transfer': async (principal, { consultationId, departmentId, note }) => {
      await consultations.transfer(asStaff(principal), consultationId, departmentId, note);
      return {};
    },
    'consultation:invite': (principal, { consultationId, departmentId, note }) =>
      consultations.invite(asStaff(principal), consultationId, departmentId, note),
    'consultation:cancelInvite': (principal, { consultationId }) => {
      consultations.cancelInvite(asStaff(principal), consultationId);
      return {};
    },
    'consultation:leave': (principal, { consultationId }) => {
      consultations.leave(asStaff(principal), consultationId);
      return {};
    },
    'chat:send': (principal, { consultationId, text }) => consultations.chat(principal, consultationId, text),
    'presence:set': (principal, { presence }) => {
      consultations.setPresence(asStaff(principal), presence);
      return { presence };
    },
    'offer:accept': async (principal, { consultationId }) => {
      await consultations.accept(asStaff(principal), consultationId);
      return {};
    },
    'offer:decline': (principal, { consultationId }) => {
      consultations.decline(asStaff(principal), consultationId);
      return {};
    },
    'call:ready': async (principal, { consultationId, rtpCapabilities, joinId }) => {
      await consultations.participant(principal, consultationId).ofJoin(joinId).setReady(rtpCapabilities as mediasoupTypes.RtpCapabilities);
      return {};
    },
    'media:createTransport': async (principal, { consultationId, direction, joinId }, { host }) => ({
      ...(await consultations.participant(principal, consultationId).ofJoin(joinId).createTransport(direction)),
      ...iceServers.forClient(principalKey(principal), host),
    }),
    'media:connectTransport': async (principal, { consultationId, transportId, dtlsParameters }) => {
      await consultations.participant(principal, consultationId).connectTransport(transportId, dtlsParameters);
      return {};
    },
    'media:produce': async (principal, { consultationId, transportId, kind, rtpParameters, source }) => {
      const sender = consultations.sender(principal, consultationId);
      const role = sender.role as ParticipantRole;
      if (!SOURCES_BY_ROLE[role].includes(source)) throw new ProtocolError('FORBIDDEN', `a ${role} cannot send ${source}`);
      const producerId = await sender.produce({
        transportId,
        kind,
        rtpParameters: rtpParameters as mediasoupTypes.RtpParameters,
        source,
      });
      return { producerId };
    },
    'media:closeProducer': (principal, { consultationId, producerId }) => {
      consultations.participant(principal, consultationId).closeProducer(producerId);
      return {};
    },
    'media:setProducerPaused': async (principal, { consultationId, producerId, paused }) => {
      await consultations.participant(principal, consultationId).setProducerPaused(producerId, paused);
      return {};
    },
    'media:resumeConsumer': async (principal, { consultationId, consumerId }) => {
      await consultations.participant(principal, consultationId).resumeConsumer(consumerId);
      return {};
    },
    'media:restartIce': (principal, { consultationId, transportId, disconnectedForMs }) =>
      consultations.restartIce(principal, consultationId, transportId, disconnectedForMs),
    'call:rejoin': (principal, { consultationId }) => {
      consultations.rejoin(principal, consultationId);
      return {};
    },
    'media:recovered': (principal, { consultationId, lostForMs }) => {
      consultations.recovered(principal, consultationId, lostForMs);
      return {};
    },
    'media:quality': (principal, { consultationId, quality }) => {
      consultations.reportQuality(principal, consultationId, quality);
      return {};
    },
    'media:path': (principal, { consultationId, path }) => {
      consultations.reportPath(principal, consultationId, path);
      return {};
    },
    'share:displayed': (principal, { consultationId, display }) => {
      consultations.reportShareDisplay(asDevice(principal), consultationId, display);
      return {};
    },
    'still:capture': (principal, { consultationId, withMarks }) => stills.requestCapture(asStaff(principal), consultationId, withMarks ?? false),
    'still:captureFailed': (principal, { consultationId, requestId, reason }) => {
      stills.captureFailed(asDevice(principal), consultationId, requestId, reason);
      return {};
    },
    'print:request': (principal, { consultationId, kind, id }) => printer.request(asStaff(principal), consultationId, kind, id),
    'print:result': (principal, { consultationId, printId, state }) => {
      printer.result(asDevice(principal), consultationId, printId, state);
      return {};
    },
    'form:current': async (principal, { consultationId }) => ({ form: await forms.current(principal, consultationId) }),
    'document:current': (principal, { consultationId }) => ({ document: documents.showing(principal, consultationId) }),
    'document:close': (principal, { consultationId, documentId }) => {
      documents.close(asStaff(principal), consultationId, documentId);
      return {};
    },
    'document:displayed': (principal, { consultationId, documentId, state, pages, page }) => {
      documents.displayed(principal, consultationId, documentId, state, pages, page);
      return {};
    },
    'annotation:add': (principal, { consultationId, source, mark }) => annotations.add(principal, consultationId, source, mark),
    'annotation:undo': (principal, { consultationId, source }) => {
      annotations.undo(principal, consultationId, source);
      return {};
    },
    'annotation:clear': (principal, { consultationId, source }) => {
      annotations.clear(principal, consultationId, source);
      return {};
    },
    'annotation:list': (principal, { consultationId }) => annotations.list(principal, consultationId),
    'supervision:start': async (principal, { consultationId, mode }) => {
      await consultations.startSupervision(asStaff(principal), consultationId, mode);
      return {};
    },
    'supervision:mode': async (principal, { consultationId, mode }) => {
      await consultations.changeSupervision(asStaff(principal), consultationId, mode);
      return {};
    },
    'supervision:stop': (principal, { consultationId }) => {
      consultations.stopSupervision(asStaff(principal), consultationId);
      return {};
    },
    'guest:invite': (principal, { consultationId, kind }) => guests.invite(asStaff(principal), consultationId, kind),
    'guest:admit': (principal, { consultationId, guestId }) => {
      guests.admit(asStaff(principal), consultationId, guestId);
      return {};
    },
    'guest:refuse': (principal, { consultationId, guestId }) => {
      guests.refuse(asStaff(principal), consultationId, guestId);
      return {};
    },
    'guest:remove': (principal, { consultationId, guestId }) => {
      guests.remove(asStaff(principal), consultationId, guestId);
      return {};
    },
    'guest:documents': async (principal, { consultationId, guestId, allowed }) => {
      await guests.setDocuments(asStaff(principal), consultationId, guestId, allowed);
      return {};
    },
    'clerk:status': (principal) => clerkPins.status(asDevice(principal)),
    'clerk:unlock': (principal, { pin }) => clerkPins.unlock(asDevice(principal), pin),
    'help:request': (principal) => help.request(asDevice(principal)),
    'help:acknowledge': async (principal, { helpCallId }) => {
      await help.acknowledge(asStaff(principal), helpCallId);
      return {};
    },
    'probe:open': async (principal, _payload, { id, host }) => {
      const { transport, ...opened } = await probes.open(id);
      return { ...opened, transport: { ...transport, ...iceServers.forClient(principalKey(principal), host) } };
    },
    'probe:connect': async (_principal, { probeId, dtlsParameters }, { id }) => {
      await probes.connect(id, probeId, dtlsParameters);
      return {};
    },
    'probe:produceData': async (_principal, { probeId, sctpStreamParameters, label }, { id }) => ({
      dataProducerId: await probes.produceData(id, probeId, sctpStreamParameters, label),
    }),
    'probe:close': (_principal, { probeId }, { id }) => {
      probes.close(id, probeId);
      return {};
    },
  };
}
