import { describe, expect, it } from 'vitest';
import { opusPackets } from './ogg.ts';

/** An Ogg page holding `packets` (the last may be left open with `continues`). CRC is not checked by the reader. */
function page(packets: Buffer[], continues = false): Buffer {
  const lacing: number[] = [];
  packets.forEach((packet, i) => {
    let left = packet.length;
    while (left >= 255) {
      lacing.push(255);
      left -= 255;
    }
    if (!(continues && i === packets.length - 1)) lacing.push(left);
  });
  const header = Buffer.alloc(27);
  header.write('OggS', 0, 'latin1');
  header[26] = lacing.length;
  return Buffer.concat([header, Buffer.from(lacing), ...packets]);
}

const head = Buffer.concat([Buffer.from('OpusHead'), Buffer.alloc(11)]);
const tags = Buffer.concat([Buffer.from('OpusTags'), Buffer.alloc(8)]);

describe('opusPackets', () => {
  it('returns the audio packets after OpusHead and OpusTags, joining packets laced over 255 bytes', () => {
    const long = Buffer.alloc(600, 7);
    const short = Buffer.from([1, 2, 3]);
    const packets = opusPackets(Buffer.concat([page([head]), page([tags]), page([long, short])]));
    expect(packets).toEqual([long, short]);
  });

  it('joins a packet that continues on the next page', () => {
    const first = Buffer.alloc(255, 1); // exactly 255: its lacing ends with 255, so it goes on
    const rest = Buffer.alloc(10, 2);
    const packets = opusPackets(Buffer.concat([page([head]), page([tags]), page([first], true), page([rest])]));
    expect(packets).toEqual([Buffer.concat([first, rest])]);
  });

  it('refuses Ogg that is not Opus, and bytes that are not Ogg', () => {
    expect(() => opusPackets(Buffer.concat([page([Buffer.from('\x01vorbis')]), page([tags])]))).toThrow(/OpusHead/);
    expect(() => opusPackets(Buffer.from('RIFF....WAVE'))).toThrow(/no Ogg page/);
  });
});
