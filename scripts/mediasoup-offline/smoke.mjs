// Smoke test for the offline-built mediasoup worker.
//
// Uses mediasoup from the repo's node_modules (resolved from this file's
// location) with its default worker path, and exercises the worker end to end:
// worker -> WebRtcServer (UDP + TCP on one free port of 127.0.0.1) -> router
// (opus, VP8, H264) -> WebRtcTransport on that server, plus a PlainTransport
// with SRTP (AES-256-GCM) so that Debian's libsrtp2 (NSS backend) creates its
// sessions too. Prints "smoke ok" and exits 0; any failure exits 1.
//
// Run: node scripts/mediasoup-offline/smoke.mjs
import dgram from 'node:dgram';
import net from 'node:net';
import mediasoup from 'mediasoup';

const HOST = '127.0.0.1';

// A port that is free for both TCP and UDP right now. The OS picks a free TCP
// port; we keep it only if the same UDP port is free too (retry otherwise).
async function freeUdpTcpPort(attempts = 20) {
  for (let i = 0; i < attempts; i++) {
    const port = await new Promise((resolve, reject) => {
      const srv = net.createServer();
      srv.once('error', reject);
      srv.listen(0, HOST, () => {
        const { port } = srv.address();
        srv.close(() => resolve(port));
      });
    });
    const udpFree = await new Promise((resolve) => {
      const sock = dgram.createSocket('udp4');
      sock.once('error', () => resolve(false));
      sock.bind(port, HOST, () => sock.close(() => resolve(true)));
    });
    if (udpFree) return port;
  }
  throw new Error('no port free for both UDP and TCP');
}

const mediaCodecs = [
  { kind: 'audio', mimeType: 'audio/opus', clockRate: 48000, channels: 2 },
  { kind: 'video', mimeType: 'video/VP8', clockRate: 90000 },
  {
    kind: 'video',
    mimeType: 'video/H264',
    clockRate: 90000,
    parameters: {
      'packetization-mode': 1,
      'profile-level-id': '42e01f',
      'level-asymmetry-allowed': 1,
    },
  },
];

const timeout = setTimeout(() => {
  console.error('smoke FAILED: timed out after 20 s');
  process.exit(1);
}, 20_000);

let worker;
try {
  console.log(`mediasoup ${mediasoup.version}, worker binary: ${mediasoup.workerBin}`);

  worker = await mediasoup.createWorker({ logLevel: 'warn' });
  worker.on('died', (err) => {
    console.error('smoke FAILED: worker died:', err);
    process.exit(1);
  });

  const port = await freeUdpTcpPort();
  const webRtcServer = await worker.createWebRtcServer({
    listenInfos: [
      { protocol: 'udp', ip: HOST, port },
      { protocol: 'tcp', ip: HOST, port },
    ],
  });

  const router = await worker.createRouter({ mediaCodecs });
  const codecs = router.rtpCapabilities.codecs.map((c) => c.mimeType);
  for (const mime of ['audio/opus', 'video/VP8', 'video/H264']) {
    if (!codecs.includes(mime)) throw new Error(`router lacks ${mime}`);
  }

  const transport = await router.createWebRtcTransport({
    webRtcServer,
    enableUdp: true,
    enableTcp: true,
    preferUdp: true,
  });
  const candidates = transport.iceCandidates.map((c) => `${c.protocol}:${c.ip}:${c.port}`);
  if (!candidates.includes(`udp:${HOST}:${port}`) || !candidates.includes(`tcp:${HOST}:${port}`)) {
    throw new Error(`unexpected ICE candidates: ${candidates.join(', ')}`);
  }
  const { fingerprints } = transport.dtlsParameters;
  if (!fingerprints?.length) throw new Error('transport has no DTLS fingerprints');

  // SRTP sessions are created in connect(): one with our key (outbound) and
  // one with the remote key (inbound). A libsrtp problem fails here.
  const plain = await router.createPlainTransport({
    listenIp: HOST,
    rtcpMux: true,
    enableSrtp: true,
    srtpCryptoSuite: 'AEAD_AES_256_GCM',
  });
  await plain.connect({
    ip: HOST,
    port: 9, // nothing is sent in this test
    srtpParameters: {
      cryptoSuite: 'AEAD_AES_256_GCM',
      keyBase64: Buffer.alloc(44, 7).toString('base64'), // 32-byte key + 12-byte salt
    },
  });

  console.log(
    `worker pid ${worker.pid}; router codecs: ${[...new Set(codecs)].join(', ')}; ` +
      `ICE candidates: ${candidates.join(', ')}; SRTP: ${plain.srtpParameters.cryptoSuite}`,
  );

  plain.close();
  transport.close();
  router.close();
  webRtcServer.close();
  worker.close();
  clearTimeout(timeout);
  console.log('smoke ok');
} catch (err) {
  console.error('smoke FAILED:', err);
  worker?.close();
  process.exit(1);
}
