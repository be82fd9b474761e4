import { ANNOTATION_LIMITS, type AnnotatedSource, type Mark, type MarkDrawing } from '../annotation.ts';
import type { ProtocolClient } from './ProtocolClient.ts';

const NONE: readonly Mark[] = [];

/**
 * The marks of one call as the server keeps them, for the console and the tablet alike: loaded on
 * start and on every call:joined (a reloaded page, a rejoin), then kept by the server's pushes.
 * A mark shows once the server has it, so every party sees one order. Shaped for React's
 * useSyncExternalStore (`subscribe`, `snapshot`); `close()` drops its listeners.
 */
export class CallMarks {
  readonly #client: ProtocolClient;
  readonly #consultationId: string;
  readonly #listeners = new Set<() => void>();
  readonly #unsubscribe: (() => void)[];
  #marks: readonly Mark[] = NONE;
  #closed = false;

  constructor(client: ProtocolClient, consultationId: string) {
    this.#client = client;
    this.#consultationId = consultationId;
    const mine = (payload: { consultationId: string }) => payload.consultationId === consultationId;
    this.#unsubscribe = [
      client.on('annotation:added', (payload) => {
        if (mine(payload) && !this.#marks.some((mark) => mark.markId === payload.mark.markId)) {
          this.#set([...this.#marks, payload.mark].slice(-ANNOTATION_LIMITS.marksPerCall));
        }
      }),
      client.on('annotation:removed', (payload) => {
        if (!mine(payload)) return;
        const removed = new Set(payload.markIds);
        this.#set(this.#marks.filter((mark) => !removed.has(mark.markId)));
      }),
      client.on('call:joined', (payload) => {
        if (mine(payload)) this.#load();
      }),
    ];
    this.#load();
  }

  readonly subscribe = (listener: () => void): (() => void) => {
    this.#listeners.add(listener);
    return () => this.#listeners.delete(listener);
  };

  readonly snapshot = (): readonly Mark[] => this.#marks;

  add(source: AnnotatedSource, mark: MarkDrawing): Promise<unknown> {
    return this.#client.request('annotation:add', { consultationId: this.#consultationId, source, mark });
  }

  undo(source: AnnotatedSource): Promise<unknown> {
    return this.#client.request('annotation:undo', { consultationId: this.#consultationId, source });
  }

  clear(source: AnnotatedSource): Promise<unknown> {
    return this.#client.request('annotation:clear', { consultationId: this.#consultationId, source });
  }

  close(): void {
    this.#closed = true;
    for (const unsubscribe of this.#unsubscribe) unsubscribe();
    this.#listeners.clear();
  }

  #load(): void {
    this.#client.request('annotation:list', { consultationId: this.#consultationId }).then(
      ({ marks }) => this.#set(marks),
      // Not in the call yet (media still connecting) or gone: the next call:joined loads them.
      () => undefined,
    );
  }

  #set(marks: readonly Mark[]): void {
    if (this.#closed) return;
    this.#marks = marks;
    for (const listener of this.#listeners) listener();
  }
}
