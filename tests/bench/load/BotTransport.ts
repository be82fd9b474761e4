import { X509Certificate, randomBytes } from 'node:crypto';
import type { DtlsParameters, TransportOptions } from '@madoguchi/protocol';
import { CipherContext, DtlsClient, HashAlgorithm, NamedCurveAlgorithm, SignatureAlgorithm, type SignatureHash } from 'werift';
import type { MediaPump, PumpSocket } from './MediaPump.ts';
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
/** DTLS record content types (RFC 6347 §4.1). */
const DTLS_CHANGE_CIPHER_SPEC = 20;
const DTLS_HANDSHAKE = 22;

/** A datagram's first DTLS record, for a failed handshake's account: content type / epoch [handshake type] length. */
function describeRecord(datagram: Buffer): string {
  if (datagram.length < 13) return `${datagram.length} B`;
  const handshakeType = datagram[0] === DTLS_HANDSHAKE && datagram.readUInt16BE(3) === 0 && datagram.length > 13 ? ` hs${datagram[13]}` : '';
  return `${datagram[0]}/${datagram.readUInt16BE(3)}${handshakeType} ${datagram.length} B`;
}

/** A datagram whose first record is a handshake record of epoch 0 (ServerHello … ServerHelloDone). */
function isEpochZeroHandshake(datagram: Buffer): boolean {
  return datagram.length >= 13 && datagram[0] === DTLS_HANDSHAKE && datagram.readUInt16BE(3) === 0;
}

/**
 * One WebRTC transport of a bot to mediasoup's WebRtcServer, without SDP: one UDP socket of the
 * media pump, an ICE-lite exchange (we are controlling and nominate), a DTLS 1.2 handshake as client
 * (werift's DTLS) whose exported keys go to the pump, which sends and counts the media from then on.
 * `connectOnServer` is the signaling call that hands our DTLS fingerprint to the server
 * (media:connectTransport) before the handshake starts.
 */
export class BotTransport {
  readonly id: string;
  /** The pump's socket: what a bot sends and counts on this transport goes through it. */
  readonly socket: PumpSocket;
  #dtlsInput?: (packet: Buffer) => void;
  #stunWaiter?: { transactionId: Buffer; resolve: () => void };
  #keepalive?: ReturnType<typeof setInterval>;
  #closed = false;

  private constructor(id: string, socket: PumpSocket) {
    this.id = id;
    this.socket = socket;
    socket.onPacket = (packet) => this.#onPacket(packet);
  }

  static async connect(
    options: TransportOptions,
    certificate: BotCertificate,
    connectOnServer: (dtlsParameters: DtlsParameters) => Promise<void>,
    pump: MediaPump,
  ): Promise<BotTransport> {
    const candidate = (options.iceCandidates as { protocol: string; ip?: string; address?: string; port: number }[]).find((c) => c.protocol === 'udp');
    if (!candidate) throw new Error(`transport ${options.id} offers no UDP candidate`);
    const transport = new BotTransport(options.id, await pump.open((candidate.ip ?? candidate.address)!, candidate.port));
    try {
      await connectOnServer({ role: 'client', fingerprints: [{ algorithm: 'sha-256', value: certificate.fingerprint }] });
      await transport.#connectIce(options);
      await transport.#handshake(certificate);
    } catch (error) {
      transport.close();
      throw error;
    }
    return transport;
  }

  close(): void {
    if (this.#closed) return;
    this.#closed = true;
    clearInterval(this.#keepalive);
    this.#stunWaiter = undefined;
    this.socket.close();
  }

  #send(packet: Buffer): void {
    if (!this.#closed) this.socket.send(packet);
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
        this.#send(packet);
      };
      const retry = setInterval(attempt, ICE_ATTEMPT_MS);
      attempt();
    });
    this.#keepalive = setInterval(() => this.#send(request().packet), KEEPALIVE_MS);
  }

  async #handshake(certificate: BotCertificate): Promise<void> {
    const address = { address: '0.0.0.0', family: 'IPv4', port: 0 }; // werift's transport wants one; unused
    const dtlsTransport = {
      type: 'udp',
      address,
      closed: false,
      onData: (_data: Buffer, _addr: unknown) => {},
      send: async (data: Buffer) => {
        if (handshakeDone) return;
        note(`out ${describeRecord(data)}`);
        if (answering) {
          lastFlight = [];
          answering = false;
        }
        lastFlight.push(data);
        if (data[0] === DTLS_CHANGE_CIPHER_SPEC) flightFiveSent = true;
        this.#send(data);
      },
      close: async () => {},
    };
    let handshakeDone = false;
    let flightFiveSent = false;
    /** What went in and out, for the error of a handshake that does not finish. */
    const started = performance.now();
    const account: string[] = [];
    const note = (what: string) => account.push(`+${(performance.now() - started).toFixed(0)} ${what}`);
    /** The datagrams werift sent in answer to the last flight it was given: once flight 5 is out, flight 5. */
    let lastFlight: Buffer[] = [];
    let answering = false;
    this.#dtlsInput = (packet) => {
      // The SFU repeats its flight 4 when ours is slow to come or lost (mediasoup's first DTLS timer is
      // 100 ms, a bot process computes many handshakes at once, and a loaded worker's socket drops
      // datagrams). werift answers a repeated flight 4 with a new flight 5 — new keys — which OpenSSL on
      // the SFU, done with the first, takes as fatal ("DTLS closed": the transport forwards nothing).
      // So once our flight 5 is out, a repeated flight 4 gets the same flight 5 again, byte for byte
      // (RFC 6347's retransmission), and only the answer (epoch 1, after a ChangeCipherSpec) goes in.
      note(`in ${describeRecord(packet)}`);
      if (flightFiveSent && isEpochZeroHandshake(packet)) {
        note(`flight 5 again (${lastFlight.length} datagrams)`);
        for (const datagram of lastFlight) this.#send(datagram);
        return;
      }
      answering = true;
      dtlsTransport.onData(packet, address);
    };
    const dtls = new DtlsClient({
      cert: certificate.certPem,
      key: certificate.keyPem,
      signatureHash: certificate.signatureHash,
      transport: dtlsTransport as never,
      srtpProfiles: [SRTP_AES128_CM_HMAC_SHA1_80],
      extendedMasterSecret: true,
    });
    // Done when the server's Finished arrives (onConnect). werift's connect() resolves once its first
    // flight is answered — 500 ms after the ClientHello, whether or not the handshake has finished — and
    // keys exported before its end would be wrong: the SFU then drops everything this transport sends.
    const connected = dtls.onConnect.asPromise(DTLS_TIMEOUT_MS).catch(() => {
      throw new Error(`DTLS with transport ${this.id}: no handshake in ${DTLS_TIMEOUT_MS} ms (ms: datagram type/epoch: ${account.slice(0, 40).join(', ')})`);
    });
    void dtls.connect().catch(() => undefined); // its failures show as no onConnect
    await connected;
    // DTLS is only the bots' key exchange: from here werift gets nothing and sends nothing (no late
    // retransmission of its flight 5 can reach the SFU).
    handshakeDone = true;
    this.#dtlsInput = undefined;
    this.socket.setKeys(dtls.exportKeyingMaterial('EXTRACTOR-dtls_srtp', 60));
  }
}
