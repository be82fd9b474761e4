import { describe, expect, it } from 'vitest';
import { clientEvents, isClientEventName, serverEvents, SOURCES_BY_ROLE, MediaSource } from '../src/index.ts';

const parse = (event: keyof typeof clientEvents, payload: unknown) => clientEvents[event].payload.safeParse(payload);

describe('client event payloads', () => {
  it('accept well-formed messages', () => {
    expect(parse('consultation:request', { departmentId: 'd1' }).success).toBe(true);
    expect(parse('presence:set', { presence: 'available' }).success).toBe(true);
    expect(parse('media:createTransport', { consultationId: 'c', direction: 'recv' }).success).toBe(true);
    expect(parse('media:createTransport', { consultationId: 'c', direction: 'recv', joinId: 'j1' }).success).toBe(true);
    expect(
      parse('media:produce', {
        consultationId: 'c',
        transportId: 't',
        kind: 'video',
        source: 'document',
        rtpParameters: {
          mid: '1',
          codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000, rtcpFeedback: [{ type: 'nack' }] }],
          encodings: [{ ssrc: 1234, maxBitrate: 3_000_000 }],
          headerExtensions: [{ uri: 'urn:ietf:params:rtp-hdrext:sdes:mid', id: 1 }],
          rtcp: { cname: 'x', reducedSize: true },
        },
      }).success,
    ).toBe(true);
  });

  it('refuse wrong types, missing fields, oversized values and values outside the vocabulary', () => {
    expect(parse('consultation:request', {}).success).toBe(false);
    expect(parse('consultation:request', { departmentId: 7 }).success).toBe(false);
    expect(parse('consultation:request', { departmentId: '' }).success).toBe(false);
    expect(parse('consultation:request', { departmentId: 'x'.repeat(65) }).success).toBe(false);
    expect(parse('consultation:request', null).success).toBe(false);
    expect(parse('presence:set', { presence: 'in_call' }).success).toBe(false); // set by the server only
    expect(parse('media:createTransport', { consultationId: 'c', direction: 'both' }).success).toBe(false);
    expect(parse('media:createTransport', { consultationId: 'c', direction: 'send', joinId: 7 }).success).toBe(false);
    expect(parse('call:ready', { consultationId: 'c', rtpCapabilities: {}, joinId: 'x'.repeat(65) }).success).toBe(false);
    expect(parse('media:connectTransport', { consultationId: 'c', transportId: 't', dtlsParameters: { fingerprints: [] } }).success).toBe(false);
    const produce = (rtpParameters: unknown, source = 'face') =>
      parse('media:produce', { consultationId: 'c', transportId: 't', kind: 'video', source, rtpParameters }).success;
    expect(produce({ codecs: [] })).toBe(false);
    expect(produce({ codecs: [{ mimeType: 'text/html', payloadType: 96, clockRate: 90000 }] })).toBe(false);
    expect(produce({ codecs: [{ mimeType: 'video/VP8', payloadType: 300, clockRate: 90000 }] })).toBe(false);
    expect(produce({ codecs: [{ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }] }, 'webcam')).toBe(false);
    const manyCodecs = Array.from({ length: 17 }, () => ({ mimeType: 'video/VP8', payloadType: 96, clockRate: 90000 }));
    expect(produce({ codecs: manyCodecs })).toBe(false);
  });

  it('name who may send each event', () => {
    expect(clientEvents['consultation:request'].from).toEqual(['device']);
    expect(clientEvents['offer:accept'].from).toEqual(['operator']);
    expect(isClientEventName('media:produce')).toBe(true);
    expect(isClientEventName('toString')).toBe(false);
    expect(isClientEventName('__proto__')).toBe(false);
  });
});

describe('server pushes and shared vocabulary', () => {
  it('validate the offer a console receives', () => {
    const offer = {
      consultationId: 'c',
      site: { id: 's', name: '清滝郵便局' },
      department: { id: 'd', code: 'tax', name: '税務課' },
      kind: 'resident',
      requestedAt: new Date().toISOString(),
      offeredAt: new Date().toISOString(),
      ringTimeoutSeconds: 20,
      transferred: false,
      invitedBy: null,
    };
    expect(serverEvents['offer:incoming'].safeParse({ ...offer, kind: 'supervisor' }).success).toBe(false);
    expect(serverEvents['offer:incoming'].safeParse(offer).success).toBe(true);
    expect(serverEvents['offer:incoming'].safeParse({ ...offer, requestedAt: 'yesterday' }).success).toBe(false);
  });

  it('accept only Japanese phone numbers for a callback, normalised to digits', () => {
    const callback = clientEvents['consultation:callback'].payload;
    expect(callback.parse({ consultationId: 'c', name: ' 山田 太郎 ', phone: '090-1234-5678' })).toEqual({
      consultationId: 'c',
      name: '山田 太郎',
      phone: '09012345678',
    });
    expect(callback.parse({ consultationId: 'c', name: 'Ana', phone: '+81 3 1234 5678' }).phone).toBe('0312345678');
    // Separators from a Japanese keyboard: full-width hyphen and parentheses, 長音 and U+2010.
    for (const phone of ['090－1234－5678', '（090）1234ー5678', '090‐1234‐5678']) {
      expect(callback.parse({ consultationId: 'c', name: 'x', phone }).phone).toBe('09012345678');
    }
    for (const phone of ['123', '0901234567890', 'abc', '']) {
      expect(callback.safeParse({ consultationId: 'c', name: 'x', phone }).success).toBe(false);
    }
    expect(callback.safeParse({ consultationId: 'c', name: '   ', phone: '0312345678' }).success).toBe(false);
  });

  it('give each side its own media sources, covering the whole vocabulary once', () => {
    const all = Object.values(SOURCES_BY_ROLE).flat().sort();
    expect(all).toEqual([...MediaSource.options].sort());
  });
});
