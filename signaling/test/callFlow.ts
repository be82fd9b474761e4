import type { ClientPayload, ServerPayload, TransportOptions } from '@madoguchi/protocol';
import type { ProtocolClient } from '@madoguchi/protocol/client';
import { browserLikeRtpParameters } from '@madoguchi/sfu/testing';
import { nextEvent, type TestServer } from './harness.ts';

type NewConsumer = ServerPayload<'media:newConsumer'>;

export interface PlacedCall {
  consultationId: string;
  device: ProtocolClient;
  operator: ProtocolClient;
  /** Consumers each side was told to create. */
  deviceConsumers: NewConsumer[];
  operatorConsumers: NewConsumer[];
  /** The tablet's transports. */
  deviceTransports: JoinedMedia;
  /** The operator's transports. */
  operatorTransports: JoinedMedia;
}

let ssrc = 1000;

export interface JoinedMedia {
  sendTransportId: string;
  recvTransportId: string;
  /** What the server told the client to create its send transport with (ICE, DTLS, TURN). */
  sendTransport: TransportOptions;
}

/** Join the media of a call the way a browser does: transports, ready, produce the given sources. */
export async function joinMedia(
  client: ProtocolClient,
  joined: ServerPayload<'call:joined'>,
  sources: { source: string; kind: 'audio' | 'video' }[],
  consumers: NewConsumer[],
): Promise<JoinedMedia> {
  const { consultationId, joinId } = joined;
  client.on('media:newConsumer', (consumer) => {
    consumers.push(consumer);
    // Fire and forget, as a browser does; the call may end before the answer comes back.
    client.request('media:resumeConsumer', { consultationId, consumerId: consumer.consumerId }).catch(() => undefined);
  });
  const send = await client.request('media:createTransport', { consultationId, direction: 'send', joinId });
  const recv = await client.request('media:createTransport', { consultationId, direction: 'recv', joinId });
  await client.request('call:ready', { consultationId, rtpCapabilities: joined.routerRtpCapabilities, joinId });
  for (const { source, kind } of sources) await produce(client, consultationId, send.id, source, kind);
  return { sendTransportId: send.id, recvTransportId: recv.id, sendTransport: send };
}

/** Produce one source on a send transport, with RTP parameters as a browser would send them. */
export async function produce(client: ProtocolClient, consultationId: string, transportId: string, source: string, kind: 'audio' | 'video'): Promise<string> {
  const { producerId } = await client.request('media:produce', {
    consultationId,
    transportId,
    kind,
    rtpParameters: browserLikeRtpParameters(kind, ++ssrc) as ClientPayload<'media:produce'>['rtpParameters'],
    source: source as NewConsumer['source'],
  });
  return producerId;
}

/** A whole call: the tablet asks, the operator answers, both send their media. */
export async function placeCall(
  t: TestServer,
  { site = '清滝郵便局', operator: username = 'tax1', department = 'tax' } = {},
): Promise<PlacedCall> {
  const device = await t.connect(await t.deviceToken(site));
  const operator = await t.connect(await t.staffToken(username));
  await operator.request('presence:set', { presence: 'available' });
  const { id: departmentId } = await t.db.department.findUniqueOrThrow({ where: { code: department } });

  const offered = nextEvent(operator, 'offer:incoming');
  // Both enter the call's room while the operator's console still rings.
  const deviceJoined = nextEvent(device, 'call:joined');
  const operatorJoined = nextEvent(operator, 'call:joined');
  const { consultationId } = await device.request('consultation:request', { departmentId });
  await offered;
  await operatorJoined;
  await operator.request('offer:accept', { consultationId });

  const deviceConsumers: NewConsumer[] = [];
  const operatorConsumers: NewConsumer[] = [];
  const deviceTransports = await joinMedia(
    device,
    await deviceJoined,
    [
      { source: 'mic', kind: 'audio' },
      { source: 'face', kind: 'video' },
      { source: 'document', kind: 'video' },
    ],
    deviceConsumers,
  );
  const operatorTransports = await joinMedia(
    operator,
    await operatorJoined,
    [
      { source: 'operator-mic', kind: 'audio' },
      { source: 'operator-cam', kind: 'video' },
    ],
    operatorConsumers,
  );
  return { consultationId, device, operator, deviceConsumers, operatorConsumers, deviceTransports, operatorTransports };
}

export async function waitFor(condition: () => boolean | Promise<boolean>, timeoutMs = 5000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!(await condition())) {
    if (Date.now() > deadline) throw new Error('condition not met in time');
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}
