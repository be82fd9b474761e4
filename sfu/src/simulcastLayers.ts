import type { types } from 'mediasoup';
import { createLogger } from '@madoguchi/protocol/logger';

const logger = createLogger('sfu:simulcast');

/** More spatial layers than any producer has: mediasoup clamps it to the best one there is. */
const BEST_SPATIAL_LAYER = 15;

/**
 * The layers a simulcast consumer is created with: the lowest first (see upgradeWhenForwarding).
 * Only the spatial layer: the temporal one defaults to the highest.
 */
export const FIRST_SIMULCAST_LAYERS: types.ConsumerLayers = { spatialLayer: 0 };

/**
 * Lets a simulcast consumer created with FIRST_SIMULCAST_LAYERS up to the best layer once it forwards
 * one. mediasoup 3.12 takes the first layer a consumer forwards as its RTP timestamp reference and
 * switches to another layer only after both have sent an RTCP Sender Report. A top layer that the
 * browser drops in the call's first second (its bandwidth estimate still ramping up, a busy CPU),
 * before its first report, froze the picture for the rest of the call (versatica/mediasoup#492,
 * fixed upstream in 3.14.16). The lowest layer is sent as long as the camera is: a safe reference.
 * The consumer is created paused when no other layer is ahead of the lowest (see noLayerAheadOfLowest)
 * and resumed when the browser holds it, so the first layer it forwards is the lowest.
 */
export function upgradeWhenForwarding(consumer: types.Consumer): void {
  const onLayers = (layers?: types.ConsumerLayers) => {
    if (!layers) return;
    consumer.off('layerschange', onLayers);
    consumer.setPreferredLayers({ spatialLayer: BEST_SPATIAL_LAYER }).catch((error: unknown) => {
      if (!consumer.closed) logger.warn(`consumer ${consumer.id}: cannot raise its layers:`, error);
    });
  };
  consumer.on('layerschange', onLayers);
}

/** Whether a layer's score is that of the producer's lowest layer (the browser names its layers by RID, a plain RTP sender by SSRC). */
function lowestLayerOf(producer: types.Producer): (layer: types.ProducerScore) => boolean {
  const lowest = producer.rtpParameters.encodings?.[0];
  return (layer) => (lowest?.rid !== undefined ? layer.rid === lowest.rid : layer.ssrc === lowest?.ssrc);
}

/**
 * Resolves at once unless a layer above the lowest is arriving while the lowest is not; then once the
 * lowest arrives, or after `timeoutMs` (a camera that never sends it must still be consumed).
 * mediasoup takes the first layer with a score as a new consumer's first, so a consumer created in
 * that moment froze on the top layer for good. Before any layer arrives the consumer is created at
 * once: the browser opens its upper layers only after the lowest has sent a frame (CallSession), so
 * the lowest arrives first, and its very first key frame reaches the consumer with no second one
 * to ask for — what makes the resident's face appear quickly after 応答.
 */
export function noLayerAheadOfLowest(producer: types.Producer, timeoutMs = 3_000): Promise<void> {
  const isLowest = lowestLayerOf(producer);
  const safe = () => {
    const arriving = producer.score.filter((layer) => layer.score > 0);
    return arriving.length === 0 || arriving.some(isLowest);
  };
  if (producer.type !== 'simulcast' || safe()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      producer.off('score', onScore);
      producer.observer.off('close', done);
      resolve();
    };
    const onScore = () => {
      if (safe()) done();
    };
    const timer = setTimeout(done, timeoutMs);
    producer.on('score', onScore);
    producer.observer.once('close', done);
  });
}

/**
 * The bitrate priority of a simulcast consumer (a face): above every single-stream video's (the
 * document camera, mediasoup's default 1). A receiver's transport shares its bandwidth estimate among
 * its video consumers in order of priority, and within one priority in the order of mediasoup's own
 * map. A single-stream consumer cannot drop a layer, so it is counted for all it uses; a simulcast
 * consumer served after it, left with less than its lowest layer's bitrate, is given no layer at all
 * and the operator's picture of the resident freezes while the document keeps flowing. Served first,
 * the face gets its lowest layer whenever the estimate carries that much, and the document the rest.
 */
const FACE_BITRATE_PRIORITY = 2;

/**
 * Serve a simulcast consumer before single-stream ones when its transport's estimate is shared out.
 * Not awaited: the worker takes its requests in order, so the priority is set before the browser's resume.
 */
export function serveFirst(consumer: types.Consumer): void {
  if (consumer.type !== 'simulcast') return;
  consumer.setPriority(FACE_BITRATE_PRIORITY).catch((error: unknown) => {
    if (!consumer.closed) logger.warn(`consumer ${consumer.id}: cannot set its bitrate priority:`, error);
  });
}

/**
 * How long a simulcast consumer may forward no layer while its producer's lowest layer arrives before
 * it counts as starved: longer than a resumed consumer waits for its first key frame from a busy sender.
 */
const STARVED_MS = 5_000;

/** A consumer starved (with its receiver's bandwidth estimate in bps, when known), or served again. */
export type StarvedListener = (starved: boolean, estimateBps: number | undefined) => void;

/**
 * Watches a simulcast consumer that forwards no layer although its producer's lowest layer is
 * arriving and nothing is paused: the SFU gave it no share of the receiver's bandwidth estimate (a
 * link too thin for even the lowest layer, or other streams served first). Logged with the estimate
 * and told to `onChange`, then told again once a layer flows: it tells a face frozen by the
 * receiver's own link from one frozen by the sender's.
 */
export function watchStarved(consumer: types.Consumer, producer: types.Producer, transport: types.Transport, receiver: string, onChange: StarvedListener, afterMs = STARVED_MS): void {
  const isLowest = lowestLayerOf(producer);
  let timer: ReturnType<typeof setTimeout> | undefined;
  let starved = false;
  const check = () => {
    timer = undefined;
    const lowestArriving = producer.score.some((layer) => isLowest(layer) && layer.score > 0);
    if (consumer.closed || consumer.currentLayers || consumer.paused || consumer.producerPaused || !lowestArriving) return;
    transport.getStats().then(
      ([stats]) => {
        if (consumer.closed || consumer.currentLayers) return;
        const estimate = stats && 'availableOutgoingBitrate' in stats ? stats.availableOutgoingBitrate : undefined;
        logger.warn(
          `${receiver} has been sent no layer of ${String(consumer.appData.source ?? 'a simulcast stream')} for ${afterMs / 1000} s although its lowest layer arrives: ` +
            `the receiver's estimate is ${estimate === undefined ? 'unknown' : `${Math.round(estimate / 1000)} kbps`}`,
        );
        starved = true;
        onChange(true, estimate);
      },
      () => {}, // closed meanwhile
    );
  };
  const watch = (layers = consumer.currentLayers) => {
    clearTimeout(timer);
    timer = layers ? undefined : setTimeout(check, afterMs);
    if (layers && starved) {
      starved = false;
      onChange(false, undefined);
    }
  };
  consumer.observer.on('layerschange', watch);
  consumer.observer.on('resume', () => watch());
  consumer.observer.once('close', () => clearTimeout(timer));
}
