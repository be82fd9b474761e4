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
 * The consumer is created paused, once the lowest layer has arrived (see lowestLayerArrived), and
 * resumed when the browser holds it, so the first layer it forwards is the lowest.
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

/**
 * Resolves once the producer's lowest simulcast layer is arriving, or after `timeoutMs` (a camera that
 * never sends it must still be consumed). mediasoup takes the lowest layer *with a score* as a new
 * consumer's first: a page that has just (re)started its camera may send the top layer's first packets
 * before the lowest one's, and a consumer created in that moment froze on the top layer for good.
 */
export function lowestLayerArrived(producer: types.Producer, timeoutMs = 3_000): Promise<void> {
  // The browser names its layers by RID, a plain RTP sender by SSRC.
  const lowest = producer.rtpParameters.encodings?.[0];
  const isLowest = (layer: types.ProducerScore) => (lowest?.rid !== undefined ? layer.rid === lowest.rid : layer.ssrc === lowest?.ssrc);
  const lowestScored = () => producer.score.some((layer) => isLowest(layer) && layer.score > 0);
  if (producer.type !== 'simulcast' || lowestScored()) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      producer.off('score', onScore);
      producer.observer.off('close', done);
      resolve();
    };
    const onScore = () => {
      if (lowestScored()) done();
    };
    const timer = setTimeout(done, timeoutMs);
    producer.on('score', onScore);
    producer.observer.once('close', done);
  });
}
