export type Compare<T> = (a: T, b: T) => number;

/**
 * A list kept in order, stored as a list of sorted chunks (the layout of Python's sortedcontainers):
 * finding an item is two binary searches, inserting or deleting moves at most one chunk, and walking
 * from the front is a plain array scan. The order must be total (break ties on a unique key), so that
 * `delete` finds exactly the item it was given.
 */
export class SortedList<T> implements Iterable<T> {
  readonly #compare: Compare<T>;
  readonly #load: number;
  #chunks: T[][] = [];
  /** The last (largest) item of each chunk. */
  #maxes: T[] = [];
  #size = 0;

  constructor(compare: Compare<T>, load = 256) {
    this.#compare = compare;
    this.#load = load;
  }

  get size(): number {
    return this.#size;
  }

  insert(item: T): void {
    if (this.#size === 0) {
      this.#chunks = [[item]];
      this.#maxes = [item];
      this.#size = 1;
      return;
    }
    let c = this.#chunkIndex(item);
    if (c === this.#chunks.length) c -= 1;
    const chunk = this.#chunks[c]!;
    chunk.splice(this.#lowerBound(chunk, item), 0, item);
    this.#maxes[c] = chunk[chunk.length - 1]!;
    this.#size += 1;
    if (chunk.length > 2 * this.#load) this.#split(c);
  }

  /** Remove the item that compares equal to `item`; false when there is none. */
  delete(item: T): boolean {
    const c = this.#chunkIndex(item);
    if (c === this.#chunks.length) return false;
    const chunk = this.#chunks[c]!;
    const i = this.#lowerBound(chunk, item);
    if (i === chunk.length || this.#compare(chunk[i]!, item) !== 0) return false;
    chunk.splice(i, 1);
    this.#size -= 1;
    if (chunk.length === 0) {
      this.#chunks.splice(c, 1);
      this.#maxes.splice(c, 1);
    } else {
      this.#maxes[c] = chunk[chunk.length - 1]!;
      if (chunk.length < this.#load >> 2 && this.#chunks.length > 1) this.#merge(c);
    }
    return true;
  }

  /** Put `next` in the place of `old` when both sort the same; false (and no change) otherwise. */
  replace(old: T, next: T): boolean {
    if (this.#compare(old, next) !== 0) return false;
    const c = this.#chunkIndex(old);
    if (c === this.#chunks.length) return false;
    const chunk = this.#chunks[c]!;
    const i = this.#lowerBound(chunk, old);
    if (i === chunk.length || this.#compare(chunk[i]!, old) !== 0) return false;
    chunk[i] = next;
    if (i === chunk.length - 1) this.#maxes[c] = next;
    return true;
  }

  /** 0-based index of the item that compares equal to `item`, or -1. */
  indexOf(item: T): number {
    const c = this.#chunkIndex(item);
    if (c === this.#chunks.length) return -1;
    const chunk = this.#chunks[c]!;
    const i = this.#lowerBound(chunk, item);
    if (i === chunk.length || this.#compare(chunk[i]!, item) !== 0) return -1;
    let before = 0;
    for (let k = 0; k < c; k += 1) before += this.#chunks[k]!.length;
    return before + i;
  }

  /** The first item, in order, that `skip` does not reject. */
  first(skip?: (item: T) => boolean): T | undefined {
    for (const chunk of this.#chunks) {
      for (const item of chunk) if (!skip || !skip(item)) return item;
    }
    return undefined;
  }

  *[Symbol.iterator](): Iterator<T> {
    for (const chunk of this.#chunks) yield* chunk;
  }

  /** First chunk whose largest item is ≥ `item` (chunks.length when none). */
  #chunkIndex(item: T): number {
    let lo = 0;
    let hi = this.#maxes.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compare(this.#maxes[mid]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #lowerBound(chunk: readonly T[], item: T): number {
    let lo = 0;
    let hi = chunk.length;
    while (lo < hi) {
      const mid = (lo + hi) >>> 1;
      if (this.#compare(chunk[mid]!, item) < 0) lo = mid + 1;
      else hi = mid;
    }
    return lo;
  }

  #split(c: number): void {
    const chunk = this.#chunks[c]!;
    const tail = chunk.splice(this.#load);
    this.#chunks.splice(c + 1, 0, tail);
    this.#maxes[c] = chunk[chunk.length - 1]!;
    this.#maxes.splice(c + 1, 0, tail[tail.length - 1]!);
  }

  /** Join chunk `c` with a neighbour, splitting again if the result is too large. */
  #merge(c: number): void {
    const left = c + 1 < this.#chunks.length ? c : c - 1;
    const joined = this.#chunks[left]!.concat(this.#chunks[left + 1]!);
    this.#chunks.splice(left, 2, joined);
    this.#maxes.splice(left, 2, joined[joined.length - 1]!);
    if (joined.length > 2 * this.#load) this.#split(left);
  }
}
