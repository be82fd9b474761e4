/**
 * The Opus packets of an Ogg Opus file (RFC 7845), in order, without the two header packets
 * (OpusHead, OpusTags). Packets may span pages: a lacing value of 255 continues the packet.
 */
export function opusPackets(file: Buffer): Buffer[] {
  const packets: Buffer[] = [];
  let pending: Buffer[] = [];
  let offset = 0;
  while (offset < file.length) {
    if (file.toString('latin1', offset, offset + 4) !== 'OggS') throw new Error(`no Ogg page at byte ${offset}`);
    const segments = file[offset + 26]!;
    const lacing = file.subarray(offset + 27, offset + 27 + segments);
    let body = offset + 27 + segments;
    for (const size of lacing) {
      pending.push(file.subarray(body, body + size));
      body += size;
      if (size < 255) {
        packets.push(Buffer.concat(pending));
        pending = [];
      }
    }
    offset = body;
  }
  const [head, tags, ...audio] = packets;
  if (head?.toString('latin1', 0, 8) !== 'OpusHead' || tags?.toString('latin1', 0, 8) !== 'OpusTags') {
    throw new Error('not an Ogg Opus file (no OpusHead and OpusTags packets)');
  }
  return audio;
}
