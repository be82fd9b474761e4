import { randomUUID } from 'node:crypto';
import { ANNOTATION_LIMITS, ProtocolError, sentPageOf, type AnnotatedSource, type Mark, type MarkDrawing, type ServerPayload } from '@madoguchi/protocol';
import { principalKey, type Principal } from '../auth/principal.ts';
import type { CallParties, ConsultationService, Notifier } from '../consultations/ConsultationService.ts';
import { TokenBucket } from '../gateway/RateLimit.ts';

/** Whether a page of a document sent in a call is there to mark. */
export type SentPageCheck = (consultationId: string, documentId: string, page: number) => 'ok' | 'no-document' | 'no-page';

/** A mark and who drew it (a principal key: only its author takes it back with undo). */
interface KeptMark {
  mark: Mark;
  author: string;
}

/** One call's marks, oldest first, and each party's allowance of new ones. */
interface CallBoard {
  marks: KeptMark[];
  allowances: Map<string, TokenBucket>;
}

/**
 * The marks of every call in progress (issue 13, item 1): pointing and drawing on the resident's
 * document camera and on what an operator shows. Kept in memory with the call — a reloaded page
 * asks for them again (annotation:list) — and dropped when the consultation ends; bounded per call
 * and per stroke, and each party may add only so many a second. Every change goes to the tablet and
 * the operators of the call, the sender included, so all see one order.
 */
export class AnnotationBoard {
  readonly #consultations: ConsultationService;
  readonly #notifier: Notifier;
  readonly #now: (() => number) | undefined;
  readonly #sentPage: SentPageCheck;
  readonly #boards = new Map<string, CallBoard>();

  /**
   * `sentPage`: whether a page of a document sent in the call is there to mark (DocumentService).
   * `now`: the allowances' monotonic clock (real time, as the gateway's rate limits; injected by tests).
   */
  constructor(options: { consultations: ConsultationService; notifier: Notifier; sentPage: SentPageCheck; now?: () => number }) {
    this.#consultations = options.consultations;
    this.#notifier = options.notifier;
    this.#sentPage = options.sentPage;
    this.#now = options.now;
    this.#consultations.observer.on('ended', this.#ended);
  }

  add(principal: Principal, consultationId: string, source: AnnotatedSource, drawing: MarkDrawing): { markId: string } {
    const parties = this.#consultations.connectedParties(principal, consultationId);
    const sentPage = sentPageOf(source);
    // A page id of another call's document would be a way to probe for it: refused alike.
    const page = sentPage ? this.#sentPage(consultationId, sentPage.documentId, sentPage.page) : 'ok';
    if (page === 'no-document') throw new ProtocolError('NOT_FOUND', 'no such document in this call');
    if (page === 'no-page') throw new ProtocolError('BAD_REQUEST', 'the document has no such page');
    const board = this.#boardOf(consultationId);
    const author = principalKey(principal);
    let allowance = board.allowances.get(author);
    if (!allowance) {
      allowance = new TokenBucket({ perSecond: ANNOTATION_LIMITS.marksPerSecond, burst: ANNOTATION_LIMITS.markBurst }, this.#now);
      board.allowances.set(author, allowance);
    }
    if (!allowance.take()) throw new ProtocolError('RATE_LIMITED', 'too many marks; wait a moment');
    const mark: Mark = { ...drawing, markId: randomUUID(), source, by: principal.kind === 'device' ? 'resident' : 'operator' };
    board.marks.push({ mark, author });
    // The call keeps its latest marks: the oldest make way (a drawing session, not an archive).
    const dropped = board.marks.splice(0, Math.max(0, board.marks.length - ANNOTATION_LIMITS.marksPerCall));
    if (dropped.length > 0) this.#tell(parties, 'annotation:removed', { consultationId, markIds: dropped.map(({ mark }) => mark.markId) });
    this.#tell(parties, 'annotation:added', { consultationId, mark });
    return { markId: mark.markId };
  }

  /** The sender's own latest mark on that picture goes; nothing to take back is no error. */
  undo(principal: Principal, consultationId: string, source: AnnotatedSource): void {
    const parties = this.#consultations.connectedParties(principal, consultationId);
    const marks = this.#boards.get(consultationId)?.marks ?? [];
    const author = principalKey(principal);
    const index = marks.findLastIndex((kept) => kept.author === author && kept.mark.source === source);
    if (index < 0) return;
    const [{ mark }] = marks.splice(index, 1) as [KeptMark];
    this.#tell(parties, 'annotation:removed', { consultationId, markIds: [mark.markId] });
  }

  clear(principal: Principal, consultationId: string, source: AnnotatedSource): void {
    const parties = this.#consultations.connectedParties(principal, consultationId);
    const board = this.#boards.get(consultationId);
    if (!board) return;
    const cleared = board.marks.filter(({ mark }) => mark.source === source).map(({ mark }) => mark.markId);
    if (cleared.length === 0) return;
    board.marks = board.marks.filter(({ mark }) => mark.source !== source);
    this.#tell(parties, 'annotation:removed', { consultationId, markIds: cleared });
  }

  list(principal: Principal, consultationId: string): { marks: Mark[] } {
    this.#consultations.connectedParties(principal, consultationId);
    return { marks: this.marksOn(consultationId) };
  }

  /** The call's marks (on one picture, or all), oldest first: what a still of the document is drawn with. */
  marksOn(consultationId: string, source?: AnnotatedSource): Mark[] {
    const marks = this.#boards.get(consultationId)?.marks ?? [];
    return marks.filter(({ mark }) => !source || mark.source === source).map(({ mark }) => mark);
  }

  close(): void {
    this.#consultations.observer.off('ended', this.#ended);
    this.#boards.clear();
  }

  readonly #ended = (consultationId: string): void => {
    this.#boards.delete(consultationId);
  };

  #boardOf(consultationId: string): CallBoard {
    let board = this.#boards.get(consultationId);
    if (!board) {
      board = { marks: [], allowances: new Map() };
      this.#boards.set(consultationId, board);
    }
    return board;
  }

  #tell<E extends 'annotation:added' | 'annotation:removed'>(parties: CallParties, event: E, payload: ServerPayload<E>): void {
    this.#notifier.toDevice(parties.deviceId, event, payload);
    for (const staffId of parties.operatorIds) this.#notifier.toStaff(staffId, event, payload);
  }
}
