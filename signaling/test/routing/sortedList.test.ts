import { describe, expect, it } from 'vitest';
import { SortedList } from '../../src/routing/core/index.ts';
import { mulberry32 } from './support.ts';

interface Item {
  key: number;
  id: number;
}
const compare = (a: Item, b: Item) => a.key - b.key || a.id - b.id;

describe('SortedList', () => {
  it('matches a sorted array through random inserts and deletes (small chunks, so splits and merges happen)', () => {
    const random = mulberry32(7);
    const list = new SortedList<Item>(compare, 4);
    let model: Item[] = [];
    for (let step = 0; step < 5_000; step += 1) {
      if (model.length === 0 || random() < 0.55) {
        const item = { key: Math.floor(random() * 50), id: step };
        list.insert(item);
        let at = model.length;
        while (at > 0 && compare(model[at - 1]!, item) > 0) at -= 1;
        model.splice(at, 0, item);
      } else {
        const item = model[Math.floor(random() * model.length)]!;
        expect(list.delete({ ...item })).toBe(true);
        model = model.filter((other) => other !== item);
      }
      if (step % 97 === 0) {
        expect([...list]).toEqual(model);
        const probe = model[Math.floor(random() * model.length)];
        if (probe) expect(list.indexOf(probe)).toBe(model.indexOf(probe));
      }
      if (list.size !== model.length) throw new Error(`size ${list.size} ≠ ${model.length} at step ${step}`);
    }
    expect([...list]).toEqual(model);
    expect(list.delete({ key: -1, id: -1 })).toBe(false);
    expect(list.first((item) => item.key < 25)).toEqual(model.find((item) => item.key >= 25));
  });
});
