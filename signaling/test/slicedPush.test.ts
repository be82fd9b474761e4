import { describe, expect, it } from 'vitest';
import { SlicedPush } from '../src/gateway/SlicedPush.ts';

const turn = () => new Promise((resolve) => setImmediate(resolve));

function room(size: number) {
  const members = Array.from({ length: size }, (_, index) => `s${index}`);
  const received = new Map<string, number[]>();
  const slices: number[] = [];
  const push = new SlicedPush<number>(
    () => members,
    (socketIds, payload) => {
      slices.push(socketIds.length);
      for (const id of socketIds) received.set(id, [...(received.get(id) ?? []), payload]);
    },
    100,
  );
  return { members, received, slices, push };
}

describe('SlicedPush', () => {
  it('sends the first slice at once and one slice per turn after it, to every socket once', async () => {
    const { received, slices, push } = room(250);
    push.push(1);
    expect(slices).toEqual([100]);
    await turn();
    expect(slices).toEqual([100, 100]);
    await turn();
    expect(slices).toEqual([100, 100, 50]);
    expect(push.sending).toBe(false);
    expect(received.size).toBe(250);
    expect([...received.values()].every((payloads) => payloads.length === 1 && payloads[0] === 1)).toBe(true);
  });

  it('never sends a socket an older payload after a newer one: a newer push starts again from the first socket', async () => {
    const { received, push } = room(250);
    push.push(1);
    push.push(2); // the first slice had 1; the newer payload goes to everyone, the rest never get 1
    while (push.sending) await turn();
    expect(received.get('s0')).toEqual([1, 2]);
    expect(received.get('s249')).toEqual([2]);
    expect([...received.values()].every((payloads) => payloads.at(-1) === 2)).toBe(true);
  });

  it('reads the room at each push: a socket that joined meanwhile gets the next one', async () => {
    const { members, received, push } = room(10);
    push.push(1);
    members.push('late');
    push.push(2);
    await turn();
    expect(received.get('late')).toEqual([2]);
    expect(push.sending).toBe(false);
  });
});
