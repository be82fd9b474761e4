import { X509Certificate, randomBytes } from 'node:crypto';
import { createSocket, type Socket } from 'node:dgram';
import type { DtlsParameters, TransportOptions } from '@madoguchi/protocol';
import { CipherContext, DtlsClient, HashAlgorithm, NamedCurveAlgorithm, SignatureAlgorithm, type SignatureHash } from 'werift';
import { isRtcp } from './rtp.ts';
import { SrtcpReceiver, SrtpSender, splitDtlsSrtpKeys } from './srtp.ts';
import { bindingRequest, demultiplex, isBindingSuccess } from './stun.ts';

/** The DTLS identity of the whole bot process (a browser has one per peer connection; its cost is not what is measured). */
export interface BotCertificate {
  certPem: string;
  keyPem: string;
  signatureHash: SignatureHash;
  /** SHA-256 fingerprint, as mediasoup's connect() takes it. */
  fingerprint: string;
}

export async function createBotCertificate(): Promise<BotCertificate> {
  const { certPem, keyPem, signatureHash } = await CipherContext.createSelfSignedCertificateWithKey(
    { signature: SignatureAlgorithm.ecdsa_3, hash: HashAlgorithm.sha256_4 },
    NamedCurveAlgorithm.secp256r1_23,
  );
  return { certPem, keyPem, signatureHash, fingerprint: new X509Certificate(certPem).fingerprint256 };
}

const SRTP_AES128_CM_HMAC_SHA1_80 = 1;
const ICE_ATTEMPT_MS = 50;
const ICE_TIMEOUT_MS = 5_000;
const DTLS_TIMEOUT_MS = 10_000;
/** Binding requests after connection keep the server's ICE state fresh, as a browser's consent checks do. */
const KEEPALIVE_MS = 5_000;
const RECEIVE_BUFFER_BYTES = 2 * 1024 * 1024;

export interface BotTransportHandlers {
  /** An RTP packet arrived (still encrypted: only its header is read). */
  onRtp?(packet: Buffer, arrivalMs: number): void;
  /** An RTCP packet arrived and was authenticated and decrypted. */
  onRtcp?(rtcp: Buffer): void;
}

/**
 * One WebRTC transport of a bot to mediasoup's WebRtcServer, without SDP: one UDP socket, an
 * ICE-lite exchange (we are controlling and nominate), a DTLS 1.2 handshake as client (werift's
 * DTLS) whose exported keys start SRTP. `connectOnServer` is the signaling call that hands our
 * DTLS fingerprint to the server (media:connectTransport) before the handshake starts.
 */
export class BotTransport {
  readonly id: string;
  readonly #socket: Socket;
  readonly #handlers: BotTransportHandlers;
  #dtlsInput?: (packet: Buffer) => void;
  #stunWaiter?: { transactionId: Buffer; resolve: () => void };
  #keepalive?: ReturnType<typeof setInterval>;
  #sender?: SrtpSender;
  #rtcpReceiver?: SrtcpReceiver;
  #closed = false;

  private constructor(id: string, socket: Socket, handlers: BotTransportHandlers) {
    this.id = id;
    this.#socket = socket;
    this.#handlers = handlers;
    socket.on('message', (packet) => this.#onPacket(packet));
    socket.on('error', () => this.close());
  }

  static async connect(
    options: TransportOptions,
    certificate: BotCertificate,
    connectOnServer: (dtlsParameters: DtlsParameters) => Promise<void>,
    handlers: BotTransportHandlers,
  ): Promise<BotTransport> {
    const candidate = (options.iceCandidates as { protocol: string; ip?: string; address?: string; port: number }[]).find((c) => c.protocol === 'udp');
    if (!candidate) throw new Error(`transport ${options.id} offers no UDP candidate`);
    // Room for a burst while this process is busy elsewhere (the kernel allows up to net.core.rmem_max).
    const socket = createSocket({ type: 'udp4', recvBufferSize: RECEIVE_BUFFER_BYTES });
    const transport = new BotTransport(options.id, socket, handlers);
    try {
      await new Promise<void>((resolve, reject) => {
        socket.once('error', reject);
        socket.connect(candidate.port, candidate.ip ?? candidate.address, () => {
          socket.off('error', reject);
          resolve();
        });
      });
      await connectOnServer({ role: 'client', fingerprints: [{ algorithm: 'sha-256', value: certificate.fingerprint }] });
      await transport.#connectIce(options);
      await transport.#handshake(certificate);
    } catch (error) {
      transport.close();
      throw error;
    }
    return transport;
  }

  /** Send an SRTP packet as is (already protected, e.g. a retransmission). */
  sendProtected(packet: Buffer): void {
    if (!this.#closed) this.#socket.send(packet);
  }

  /** Protect and send an RTP packet held in `packet[0, rtpLength)` (see SrtpSender.protectRtp). */
  sendRtp(packet: Buffer, rtpLength: number, headerLength: number): Buffer {
    const srtp = this.#srtp().protectRtp(packet, rtpLength, headerLength);
    this.sendProtected(srtp);
    return srtp;
  }

  sendRtcp(rtcp: Buffer): void {
    this.sendProtected(this.#srtp().protectRtcp(rtcp));
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepalive);
    this.#stunWaiter = undefined;
    this.#socket.close();
  }

  #srtp(): SrtpSender {
    if (!this.#sender) throw new Error(`transport ${this.id} has no SRTP keys yet`);
    return this.#sender;
  }

  #onPacket(packet: Buffer): void {
    switch (demultiplex(packet)) {
      case 'stun': {
        const waiter = this.#stunWaiter;
        if (waiter && isBindingSuccess(packet, waiter.transactionId)) waiter.resolve();
        return;
      }
      case 'dtls':
        this.#dtlsInput?.(packet);
        return;
      case 'rtp':
        if (!isRtcp(packet)) {
          this.#handlers.onRtp?.(packet, performance.now());
        } else if (this.#handlers.onRtcp && this.#rtcpReceiver) {
          const rtcp = this.#rtcpReceiver.unprotectRtcp(packet);
          if (rtcp) this.#handlers.onRtcp(rtcp);
        }
        return;
      default:
    }
  }

  async #connectIce(options: TransportOptions): Promise<void> {
    const localUfrag = randomBytes(6).toString('hex');
    const tieBreaker = randomBytes(8);
    const username = `${options.iceParameters.usernameFragment}:${localUfrag}`;
    // Host candidate priority for UDP, as a browser computes it (type preference 126).
    const priority = (126 << 24) + (65535 << 8) + 255;
    const request = () => bindingRequest(username, options.iceParameters.password, priority, tieBreaker);
    await new Promise<void>((resolve, reject) => {
      const deadline = setTimeout(() => {
        clearInterval(retry);
        reject(new Error(`ICE to transport ${this.id}: no answer in ${ICE_TIMEOUT_MS} ms`));
      }, ICE_TIMEOUT_MS);
      const attempt = () => {
        const { transactionId, packet } = request();
        this.#stunWaiter = {
          transactionId,
          resolve: () => {
            clearTimeout(deadline);
            clearInterval(retry);
            this.#stunWaiter = undefined;
            resolve();
          },
        };
        this.sendProtected(packet);
      };
      const retry = setInterval(attempt, ICE_ATTEMPT_MS);
      attempt();
    });
    this.#keepalive = setInterval(() => this.sendProtected(request().packet), KEEPALIVE_MS);
  }

  async #handshake(certificate: BotCertificate): Promise<void> {
    const socket = this.#socket;
    const address = socket.address();
    const dtlsTransport = {
      type: 'udp',
      address,
      closed: false,
      onData: (_data: Buffer, _addr: unknown) => {},
      send: async (data: Buffer) => this.sendProtected(data),
      close: async () => {},
    };
    this.#dtlsInput = (packet) => dtlsTransport.onData(packet, address);
    const dtls = new DtlsClient({
      cert: certificate.certPem,
      key: certificate.keyPem,
      signatureHash: certificate.signatureHash,
      transport: dtlsTransport as never,
      srtpProfiles: [SRTP_AES128_CM_HMAC_SHA1_80],
      extendedMasterSecret: true,
    });
    let timer: ReturnType<typeof setTimeout> | undefined;
    try {
      await Promise.race([
        dtls.connect(),
        new Promise((_, reject) => (timer = setTimeout(() => reject(new Error(`DTLS with transport ${this.id}: no handshake in ${DTLS_TIMEOUT_MS} ms`)), DTLS_TIMEOUT_MS))),
      ]);
    } finally {
      clearTimeout(timer);
    }
    const { client, server } = splitDtlsSrtpKeys(dtls.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60));
    this.#sender = new SrtpSender(client);
    this.#rtcpReceiver = new SrtcpReceiver(server);
  }
}
