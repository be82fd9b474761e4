/*
 * The load bots' media path in native code (issue 15): what a Node bot paid per packet — building
 * and protecting RTP (~14 µs), one dgram send (~8 µs), one callback per received datagram (~14 µs)
 * — is paid here as ~2 µs of SRTP per packet and one system call per batch (sendmmsg/recvmmsg).
 *
 * SRTP (RFC 3711, AES_CM_128_HMAC_SHA1_80) is written here over OpenSSL's libcrypto (AES-128-CTR
 * and HMAC-SHA1 contexts made once per key and re-initialised per packet), not taken from libsrtp:
 * Debian's libsrtp2 is built on NSS and makes a new cipher context for every packet, 15–20 µs per
 * 1,150-byte packet measured here, against 1.6 µs this way. mediaPump.test.ts holds every byte of
 * it against srtp.ts, itself checked against RFC 3711's test vectors.
 *
 * The TypeScript side (MediaPump.ts) keeps everything but the packets: it signals, runs ICE and
 * DTLS through this process's sockets (OPEN, SEND; PACKET brings STUN and DTLS back), hands over
 * the keys DTLS exported (KEYS), the pre-packetized clips (CLIP), what to send (STREAM) and what to
 * count (RECEIVE), and asks for the counters (STATS). Received RTP is never decrypted: its header
 * is in the clear, and that is all a receiver counts (packets, sequence gaps, RFC 3550 jitter,
 * frames by marker bit). Received SRTCP is opened for NACK (retransmit from history), PLI and FIR
 * (the clip's key frame next).
 *
 * Wire, both directions on stdin/stdout: frames of u32 length (little-endian, of what follows),
 * u8 type, body (integers little-endian unless noted). Commands and events are listed at their
 * handlers. Pacing, as a browser's pacer does it: a frame's packets go out over the first half of
 * its interval, in 5 ms ticks; a stream further than 500 ms behind skips frames.
 */
#define _GNU_SOURCE
#include <arpa/inet.h>
#include <errno.h>
#include <fcntl.h>
#include <math.h>
#include <netinet/in.h>
#include <openssl/core_names.h>
#include <openssl/crypto.h>
#include <openssl/evp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/epoll.h>
#include <sys/socket.h>
#include <time.h>
#include <unistd.h>

enum { CMD_OPEN = 1, CMD_SEND = 2, CMD_KEYS = 3, CMD_CLIP = 4, CMD_STREAM = 5, CMD_RECEIVE = 6, CMD_CLOSE = 7, CMD_STATS = 8 };
enum { EVT_OPENED = 1, EVT_PACKET = 2, EVT_STATS = 3, EVT_ERROR = 4 };

/* Streams are ticked every TICK_MS, each transport's in one of PHASES slots of 1 ms, so that the
   packets of a tick leave in five smaller bursts, not one (a browser's pacer spreads them finer still). */
#define PHASES 5
#define SLOT_MS 1.0
#define TICK_MS (SLOT_MS * PHASES)
/* Once keyed, a socket is read every DRAIN_MS, many datagrams per call, not woken for each one; the
   kernel's arrival time of each datagram (SO_TIMESTAMPNS) keeps the jitter exact. */
#define DRAIN_MS 20.0
#define HISTORY 256
#define MAX_CATCH_UP_MS 500.0
#define REPORT_INTERVAL_MS 1000.0
#define RTP_HEADER 12
#define VP8_DESCRIPTOR 4
#define PACKET_ROOM 1500
#define BATCH 64
#define RECEIVE_BUFFER_BYTES (2 * 1024 * 1024)
#define MAX_RECEIVERS 8
#define NTP_EPOCH_OFFSET 2208988800u
#define AUTH_TAG 10
#define SRTCP_INDEX 4

/* ---- SRTP and SRTCP, AES_CM_128_HMAC_SHA1_80 (RFC 3711) ---- */

/* The session keys of one master key for RTP or for RTCP (§4.3, key derivation rate 0). */
typedef struct {
  EVP_CIPHER_CTX *cipher;
  EVP_MAC_CTX *auth;
  uint8_t salt[14];
} SessionKeys;

typedef struct {
  SessionKeys rtp, rtcp;
  uint32_t rtcp_index; /* the last SRTCP index sent */
} SrtpKeys;

static void aes_ctr(const uint8_t key[16], const uint8_t iv[16], uint8_t *data, int length) {
  EVP_CIPHER_CTX *context = EVP_CIPHER_CTX_new();
  int written;
  EVP_EncryptInit_ex(context, EVP_aes_128_ctr(), NULL, key, iv);
  EVP_EncryptUpdate(context, data, &written, data, length);
  EVP_CIPHER_CTX_free(context);
}

/* The PRF of §4.3.1: AES-CM under the master key, at the master salt XOR the label. */
static void derive(const uint8_t master_key[16], const uint8_t master_salt[14], int label, uint8_t *out, int length) {
  uint8_t iv[16] = {0};
  memcpy(iv, master_salt, 14);
  iv[7] ^= (uint8_t)label;
  memset(out, 0, (size_t)length);
  aes_ctr(master_key, iv, out, length);
}

static void session_keys(SessionKeys *keys, const uint8_t master_key[16], const uint8_t master_salt[14], int first_label) {
  uint8_t cipher[16], auth[20];
  derive(master_key, master_salt, first_label, cipher, 16);
  derive(master_key, master_salt, first_label + 1, auth, 20);
  derive(master_key, master_salt, first_label + 2, keys->salt, 14);
  keys->cipher = EVP_CIPHER_CTX_new();
  uint8_t zero[16] = {0};
  EVP_EncryptInit_ex(keys->cipher, EVP_aes_128_ctr(), NULL, cipher, zero);
  EVP_MAC *hmac = EVP_MAC_fetch(NULL, "HMAC", NULL);
  keys->auth = EVP_MAC_CTX_new(hmac);
  EVP_MAC_free(hmac);
  OSSL_PARAM params[] = { OSSL_PARAM_construct_utf8_string(OSSL_MAC_PARAM_DIGEST, "SHA1", 0), OSSL_PARAM_construct_end() };
  EVP_MAC_init(keys->auth, auth, 20, params);
}

static void srtp_keys(SrtpKeys *keys, const uint8_t master_key[16], const uint8_t master_salt[14]) {
  session_keys(&keys->rtp, master_key, master_salt, 0);
  session_keys(&keys->rtcp, master_key, master_salt, 3);
  keys->rtcp_index = 0;
}

static void free_session_keys(SessionKeys *keys) {
  EVP_CIPHER_CTX_free(keys->cipher);
  EVP_MAC_CTX_free(keys->auth);
}

/* Encrypt (or decrypt) in place at the packet's IV: the session salt XOR the SSRC XOR the 48-bit index. */
static void crypt_at(SessionKeys *keys, uint32_t ssrc, uint64_t index, uint8_t *data, int length) {
  uint8_t iv[16] = {0};
  memcpy(iv, keys->salt, 14);
  for (int i = 0; i < 4; i++) iv[4 + i] ^= (uint8_t)(ssrc >> (24 - 8 * i));
  for (int i = 0; i < 6; i++) iv[8 + i] ^= (uint8_t)(index >> (40 - 8 * i));
  int written;
  EVP_EncryptInit_ex(keys->cipher, NULL, NULL, NULL, iv);
  EVP_EncryptUpdate(keys->cipher, data, &written, data, length);
}

/* HMAC-SHA1 over the parts, truncated to the 80-bit tag. */
static void tag(SessionKeys *keys, const uint8_t *data, size_t length, const uint8_t *extra, size_t extra_length, uint8_t out[AUTH_TAG]) {
  uint8_t digest[20];
  size_t digest_length;
  EVP_MAC_init(keys->auth, NULL, 0, NULL);
  EVP_MAC_update(keys->auth, data, length);
  if (extra_length) EVP_MAC_update(keys->auth, extra, extra_length);
  EVP_MAC_final(keys->auth, digest, &digest_length, sizeof digest);
  memcpy(out, digest, AUTH_TAG);
}

/* Protect the RTP packet in packet[0, length) (a 12-byte header) in place; returns the SRTP length. */
static int protect_rtp(SrtpKeys *keys, uint8_t *packet, int length, uint32_t rollover) {
  uint32_t ssrc = (uint32_t)packet[8] << 24 | (uint32_t)packet[9] << 16 | (uint32_t)packet[10] << 8 | packet[11];
  uint16_t sequence = (uint16_t)(packet[2] << 8 | packet[3]);
  crypt_at(&keys->rtp, ssrc, (uint64_t)rollover << 16 | sequence, packet + 12, length - 12);
  uint8_t roc[4] = { (uint8_t)(rollover >> 24), (uint8_t)(rollover >> 16), (uint8_t)(rollover >> 8), (uint8_t)rollover };
  tag(&keys->rtp, packet, (size_t)length, roc, 4, packet + length);
  return length + AUTH_TAG;
}

/* Protect a compound RTCP packet in place (header and sender SSRC stay clear); returns the SRTCP length. */
static int protect_rtcp(SrtpKeys *keys, uint8_t *packet, int length) {
  uint32_t index = keys->rtcp_index = (keys->rtcp_index + 1) & 0x7fffffff;
  uint32_t ssrc = (uint32_t)packet[4] << 24 | (uint32_t)packet[5] << 16 | (uint32_t)packet[6] << 8 | packet[7];
  crypt_at(&keys->rtcp, ssrc, index, packet + 8, length - 8);
  uint32_t word = 0x80000000u | index;
  for (int i = 0; i < 4; i++) packet[length + i] = (uint8_t)(word >> (24 - 8 * i));
  tag(&keys->rtcp, packet, (size_t)length + SRTCP_INDEX, NULL, 0, packet + length + SRTCP_INDEX);
  return length + SRTCP_INDEX + AUTH_TAG;
}

/* Authenticate and open an SRTCP packet in place; returns the RTCP length, or -1 if it is not authentic. */
static int unprotect_rtcp(SrtpKeys *keys, uint8_t *packet, int length) {
  if (length < 8 + SRTCP_INDEX + AUTH_TAG) return -1;
  int authenticated = length - AUTH_TAG;
  uint8_t expected[AUTH_TAG];
  tag(&keys->rtcp, packet, (size_t)authenticated, NULL, 0, expected);
  if (CRYPTO_memcmp(expected, packet + authenticated, AUTH_TAG) != 0) return -1;
  const uint8_t *w = packet + authenticated - SRTCP_INDEX;
  uint32_t word = (uint32_t)w[0] << 24 | (uint32_t)w[1] << 16 | (uint32_t)w[2] << 8 | w[3];
  int rtcp_length = authenticated - SRTCP_INDEX;
  if (word & 0x80000000u) {
    uint32_t ssrc = (uint32_t)packet[4] << 24 | (uint32_t)packet[5] << 16 | (uint32_t)packet[6] << 8 | packet[7];
    crypt_at(&keys->rtcp, ssrc, word & 0x7fffffff, packet + 8, rtcp_length - 8);
  }
  return rtcp_length;
}

typedef struct {
  int keyframe;
  uint16_t count;
  const uint8_t **payloads;
  uint16_t *lengths;
} Frame;

typedef struct {
  uint32_t id;
  int video;
  uint32_t clock_rate;
  double interval_ms;
  uint32_t frame_count;
  Frame *frames;
  uint8_t *data; /* every payload, back to back */
} Clip;

typedef struct Receiver {
  uint32_t ssrc;
  uint32_t clock_rate;
  uint64_t received, bytes, frames;
  int64_t base_seq, highest; /* extended sequence numbers; -1 before the first packet */
  int has_transit;
  double transit, jitter; /* RTP timestamp units */
} Receiver;

typedef struct Transport {
  uint32_t id;
  int fd;
  int keyed;
  SrtpKeys tx; /* our RTP and RTCP, with the DTLS client's keys */
  SrtpKeys rx; /* the SFU's RTCP, with the server's keys */
  Receiver receivers[MAX_RECEIVERS];
  int receiver_count;
  uint64_t unknown;
  int phase; /* the 1 ms slot of each tick in which its streams send */
  struct mmsghdr out[BATCH];
  struct iovec out_iov[BATCH];
  int out_count;
  struct Transport *next;
} Transport;

typedef struct Stream {
  uint32_t id;
  Transport *transport;
  const Clip *clip;
  uint32_t ssrc;
  uint8_t payload_type;
  uint16_t sequence;
  uint32_t rollover; /* how many times the sequence number wrapped (SRTP's ROC) */
  uint32_t timestamp;
  uint16_t picture_id;
  double next_frame_at, last_frame_at;
  uint32_t last_frame_timestamp;
  uint32_t frame_index;
  int keyframe_wanted;
  const Frame *pending;
  uint32_t pending_next, per_tick, pending_timestamp;
  uint16_t pending_picture_id;
  uint64_t packets, bytes, nacks, retransmitted, plis, firs, skipped;
  uint8_t *history; /* HISTORY slots of PACKET_ROOM bytes: the protected packets, by sequence number */
  uint16_t history_length[HISTORY];
  uint16_t history_sequence[HISTORY];
  struct Stream *next;
} Stream;

static Transport *transports;
static uint32_t transports_opened;
static Stream *streams;
static Clip **clips;
static size_t clip_count;
static int epoll_fd;

static double now_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_MONOTONIC, &t);
  return t.tv_sec * 1e3 + t.tv_nsec / 1e6;
}

/* The wall clock when the pump started: arrival times count from it, so that a double multiplied by a
   90 kHz clock rate keeps sub-tick precision (epoch milliseconds would not). */
static struct timespec wall_base;

/* Wall-clock milliseconds since wall_base, the clock of SO_TIMESTAMPNS. */
static double wall_ms_of(const struct timespec *t) {
  return (double)(t->tv_sec - wall_base.tv_sec) * 1e3 + (double)(t->tv_nsec - wall_base.tv_nsec) / 1e6;
}

static double wall_ms(void) {
  struct timespec t;
  clock_gettime(CLOCK_REALTIME, &t);
  return wall_ms_of(&t);
}

static void die(const char *what) {
  fprintf(stderr, "media-pump: %s: %s\n", what, strerror(errno));
  exit(1);
}

/* ---- events to the TypeScript side (stdout is blocking: the parent reads it continuously) ---- */

static void write_all(const void *data, size_t length) {
  const uint8_t *at = data;
  while (length > 0) {
    ssize_t written = write(1, at, length);
    if (written < 0) {
      if (errno == EINTR) continue;
      exit(0); /* the parent is gone */
    }
    at += written;
    length -= (size_t)written;
  }
}

static void emit(uint8_t type, const void *head, size_t head_length, const void *body, size_t body_length) {
  uint32_t length = (uint32_t)(1 + head_length + body_length);
  uint8_t prefix[5];
  memcpy(prefix, &length, 4);
  prefix[4] = type;
  write_all(prefix, 5);
  if (head_length) write_all(head, head_length);
  if (body_length) write_all(body, body_length);
}

static void emit_error(const char *message) { emit(EVT_ERROR, NULL, 0, message, strlen(message)); }

/* ---- lookups (control messages only: the hot paths hold pointers) ---- */

static Transport *find_transport(uint32_t id) {
  for (Transport *t = transports; t; t = t->next)
    if (t->id == id) return t;
  return NULL;
}

static const Clip *find_clip(uint32_t id) {
  for (size_t i = 0; i < clip_count; i++)
    if (clips[i]->id == id) return clips[i];
  return NULL;
}

/* ---- sending ---- */

static void flush(Transport *t) {
  int sent = 0;
  while (sent < t->out_count) {
    int n = sendmmsg(t->fd, t->out + sent, (unsigned)(t->out_count - sent), 0);
    if (n < 0) {
      if (errno == EINTR) continue;
      break; /* EAGAIN or ECONNREFUSED: what the kernel would not take is lost, as over a network */
    }
    sent += n;
  }
  t->out_count = 0;
}

static void queue_packet(Transport *t, uint8_t *packet, int length) {
  if (t->out_count == BATCH) flush(t);
  struct iovec *iov = &t->out_iov[t->out_count];
  iov->iov_base = packet;
  iov->iov_len = (size_t)length;
  struct mmsghdr *message = &t->out[t->out_count];
  memset(message, 0, sizeof *message);
  message->msg_hdr.msg_iov = iov;
  message->msg_hdr.msg_iovlen = 1;
  t->out_count++;
}

static void put16(uint8_t *at, uint16_t value) {
  at[0] = (uint8_t)(value >> 8);
  at[1] = (uint8_t)value;
}

static void put32(uint8_t *at, uint32_t value) {
  at[0] = (uint8_t)(value >> 24);
  at[1] = (uint8_t)(value >> 16);
  at[2] = (uint8_t)(value >> 8);
  at[3] = (uint8_t)value;
}

static uint16_t get16(const uint8_t *at) { return (uint16_t)(at[0] << 8 | at[1]); }
static uint32_t get32(const uint8_t *at) { return (uint32_t)at[0] << 24 | (uint32_t)at[1] << 16 | (uint32_t)at[2] << 8 | at[3]; }

static void send_packets(Stream *s, uint32_t count) {
  const Frame *frame = s->pending;
  int video = s->clip->video;
  uint32_t end = s->pending_next + count;
  if (end > frame->count) end = frame->count;
  for (uint32_t i = s->pending_next; i < end; i++) {
    uint8_t *packet = s->history + (size_t)(s->sequence & (HISTORY - 1)) * PACKET_ROOM;
    int offset = RTP_HEADER;
    packet[0] = 0x80;
    /* Video: the marker ends a frame. Audio: it marks the start of a talkspurt (the first packet only). */
    int marker = video ? i == frame->count - 1u : s->packets == 0;
    packet[1] = (uint8_t)((marker ? 0x80 : 0) | s->payload_type);
    put16(packet + 2, s->sequence);
    put32(packet + 4, s->pending_timestamp);
    put32(packet + 8, s->ssrc);
    if (video) {
      packet[offset] = (uint8_t)(0x80 | (i == 0 ? 0x10 : 0));
      packet[offset + 1] = 0x80;
      put16(packet + offset + 2, (uint16_t)(0x8000 | (s->pending_picture_id & 0x7fff)));
      offset += VP8_DESCRIPTOR;
    }
    memcpy(packet + offset, frame->payloads[i], frame->lengths[i]);
    int length = offset + frame->lengths[i];
    int payload_bytes = length - RTP_HEADER;
    length = protect_rtp(&s->transport->tx, packet, length, s->rollover);
    s->history_length[s->sequence & (HISTORY - 1)] = (uint16_t)length;
    s->history_sequence[s->sequence & (HISTORY - 1)] = s->sequence;
    queue_packet(s->transport, packet, length);
    if (++s->sequence == 0) s->rollover++;
    s->packets++;
    s->bytes += (uint64_t)payload_bytes;
  }
  s->pending_next = end;
  if (end == frame->count) s->pending = NULL;
}

static void start_frame(Stream *s) {
  const Clip *clip = s->clip;
  if (s->pending) send_packets(s, UINT32_MAX);
  if (s->keyframe_wanted) {
    s->keyframe_wanted = 0;
    s->frame_index = 0;
  }
  const Frame *frame = &clip->frames[s->frame_index];
  uint32_t ticks = (uint32_t)floor(clip->interval_ms / 2 / TICK_MS);
  if (ticks < 1) ticks = 1;
  s->pending = frame;
  s->pending_next = 0;
  s->per_tick = (frame->count + ticks - 1) / ticks;
  s->pending_timestamp = s->timestamp;
  s->pending_picture_id = s->picture_id;
  s->last_frame_timestamp = s->timestamp;
  s->timestamp += (uint32_t)lround(clip->interval_ms * clip->clock_rate / 1000);
  s->picture_id = (uint16_t)((s->picture_id + 1) & 0x7fff);
  s->frame_index = (s->frame_index + 1) % clip->frame_count;
}

static void tick_stream(Stream *s, double now) {
  const Clip *clip = s->clip;
  if (now - s->next_frame_at > MAX_CATCH_UP_MS) {
    uint32_t behind = (uint32_t)floor((now - s->next_frame_at) / clip->interval_ms);
    s->skipped += behind;
    s->next_frame_at += behind * clip->interval_ms;
    s->timestamp += (uint32_t)lround(behind * clip->interval_ms * clip->clock_rate / 1000);
  }
  while (now >= s->next_frame_at) {
    start_frame(s);
    s->last_frame_at = s->next_frame_at;
    s->next_frame_at += clip->interval_ms;
  }
  if (s->pending) send_packets(s, s->per_tick);
}

/* An RTCP sender report without report blocks (RFC 3550 §6.4.1): mediasoup switches simulcast layers only after them. */
static void send_report(Stream *s, double now) {
  if (s->packets == 0) return;
  uint8_t report[28 + SRTCP_INDEX + AUTH_TAG];
  struct timespec wall;
  clock_gettime(CLOCK_REALTIME, &wall);
  uint32_t rtp_now = s->last_frame_timestamp + (uint32_t)lround((now - s->last_frame_at) * s->clip->clock_rate / 1000);
  report[0] = 0x80;
  report[1] = 200;
  put16(report + 2, 6);
  put32(report + 4, s->ssrc);
  put32(report + 8, (uint32_t)wall.tv_sec + NTP_EPOCH_OFFSET);
  put32(report + 12, (uint32_t)((double)wall.tv_nsec / 1e9 * 4294967296.0));
  put32(report + 16, rtp_now);
  put32(report + 20, (uint32_t)s->packets);
  put32(report + 24, (uint32_t)s->bytes);
  int length = protect_rtcp(&s->transport->tx, report, 28);
  send(s->transport->fd, report, (size_t)length, 0);
}

/* ---- receiving ---- */

static void count_rtp(Transport *t, const uint8_t *packet, int length, double arrival_ms) {
  uint32_t ssrc = get32(packet + 8);
  Receiver *r = NULL;
  for (int i = 0; i < t->receiver_count; i++)
    if (t->receivers[i].ssrc == ssrc) r = &t->receivers[i];
  if (!r) {
    t->unknown++;
    return;
  }
  uint16_t sequence = get16(packet + 2);
  uint32_t timestamp = get32(packet + 4);
  r->received++;
  r->bytes += (uint64_t)length;
  if (packet[1] & 0x80) r->frames++;
  if (r->highest < 0) {
    r->base_seq = r->highest = sequence;
  } else {
    /* The extended number closest to the highest seen: wrap-around and reordering. */
    int64_t extended = (r->highest - (r->highest & 0xffff)) + sequence;
    if (extended - r->highest > 0x8000) extended -= 0x10000;
    else if (r->highest - extended > 0x8000) extended += 0x10000;
    if (extended > r->highest) r->highest = extended;
  }
  double transit = arrival_ms * r->clock_rate / 1000 - timestamp;
  if (r->has_transit) {
    double delta = fabs(transit - r->transit);
    if (delta > 2147483648.0) delta = fabs(delta - 4294967296.0); /* a timestamp wrap is no jump */
    r->jitter += (delta - r->jitter) / 16;
  }
  r->transit = transit;
  r->has_transit = 1;
}

static Stream *stream_of(Transport *t, uint32_t ssrc) {
  for (Stream *s = streams; s; s = s->next)
    if (s->transport == t && s->ssrc == ssrc) return s;
  return NULL;
}

/* NACK: the packets again from history. PLI, FIR: the clip's key frame next. Other RTCP is skipped. */
static void read_feedback(Transport *t, const uint8_t *rtcp, int length) {
  int offset = 0;
  while (offset + 4 <= length) {
    int format = rtcp[offset] & 0x1f;
    int type = rtcp[offset + 1];
    int end = offset + (get16(rtcp + offset + 2) + 1) * 4;
    if (end > length) break;
    if (type == 205 && format == 1 && end - offset >= 12) {
      Stream *s = stream_of(t, get32(rtcp + offset + 8));
      if (s) {
        s->nacks++;
        for (int at = offset + 12; at + 4 <= end; at += 4) {
          uint16_t pid = get16(rtcp + at);
          uint16_t mask = get16(rtcp + at + 2);
          for (int bit = -1; bit < 16; bit++) {
            if (bit >= 0 && !(mask & (1 << bit))) continue;
            uint16_t wanted = (uint16_t)(pid + bit + 1);
            size_t slot = wanted & (HISTORY - 1);
            if (s->history_length[slot] && s->history_sequence[slot] == wanted) {
              send(t->fd, s->history + slot * PACKET_ROOM, s->history_length[slot], 0);
              s->retransmitted++;
            }
          }
        }
      }
    } else if (type == 206 && format == 1 && end - offset >= 12) {
      Stream *s = stream_of(t, get32(rtcp + offset + 8));
      if (s) {
        s->plis++;
        if (s->clip->video) s->keyframe_wanted = 1;
      }
    } else if (type == 206 && format == 4) {
      /* FIR names the stream in its FCI entries, not in the media SSRC field. */
      for (int at = offset + 12; at + 8 <= end; at += 8) {
        Stream *s = stream_of(t, get32(rtcp + at));
        if (s) {
          s->firs++;
          if (s->clip->video) s->keyframe_wanted = 1;
        }
      }
    }
    offset = end;
  }
}

/* When the kernel received the datagram (SO_TIMESTAMPNS), in wall-clock milliseconds. */
static double arrival_of(struct msghdr *message) {
  for (struct cmsghdr *c = CMSG_FIRSTHDR(message); c; c = CMSG_NXTHDR(message, c)) {
    if (c->cmsg_level == SOL_SOCKET && c->cmsg_type == SCM_TIMESTAMPNS) {
      struct timespec at;
      memcpy(&at, CMSG_DATA(c), sizeof at);
      return wall_ms_of(&at);
    }
  }
  return wall_ms();
}

static void receive(Transport *t) {
  static uint8_t buffers[BATCH][PACKET_ROOM];
  static uint8_t controls[BATCH][CMSG_SPACE(sizeof(struct timespec))];
  static struct mmsghdr messages[BATCH];
  static struct iovec iovs[BATCH];
  for (;;) {
    for (int i = 0; i < BATCH; i++) {
      iovs[i].iov_base = buffers[i];
      iovs[i].iov_len = PACKET_ROOM;
      memset(&messages[i], 0, sizeof messages[i]);
      messages[i].msg_hdr.msg_iov = &iovs[i];
      messages[i].msg_hdr.msg_iovlen = 1;
      messages[i].msg_hdr.msg_control = controls[i];
      messages[i].msg_hdr.msg_controllen = sizeof controls[i];
    }
    int n = recvmmsg(t->fd, messages, BATCH, MSG_DONTWAIT, NULL);
    if (n <= 0) return; /* EAGAIN: drained; ECONNREFUSED: the server's port is gone, TypeScript closes */
    for (int i = 0; i < n; i++) {
      uint8_t *packet = buffers[i];
      int length = (int)messages[i].msg_len;
      if (length < 1) continue;
      double arrival = arrival_of(&messages[i].msg_hdr);
      if (packet[0] >= 128 && packet[0] <= 191 && length >= 12) {
        if (packet[1] >= 192 && packet[1] <= 223) {
          if (t->keyed && (length = unprotect_rtcp(&t->rx, packet, length)) > 0) read_feedback(t, packet, length);
        } else {
          count_rtp(t, packet, length, arrival);
        }
      } else {
        /* STUN and DTLS: for the TypeScript side. */
        emit(EVT_PACKET, &t->id, 4, packet, (size_t)length);
      }
    }
    if (n < BATCH) return;
  }
}

/* ---- commands ---- */

static uint32_t read_u32(const uint8_t **at) {
  uint32_t value;
  memcpy(&value, *at, 4);
  *at += 4;
  return value;
}

static uint16_t read_u16(const uint8_t **at) {
  uint16_t value;
  memcpy(&value, *at, 2);
  *at += 2;
  return value;
}

/* OPEN: u32 transport id, u32 IPv4 address (network order), u16 port → OPENED: u32 id. */
static void command_open(const uint8_t *at) {
  uint32_t id = read_u32(&at);
  uint32_t address;
  memcpy(&address, at, 4);
  at += 4;
  uint16_t port = read_u16(&at);
  int fd = socket(AF_INET, SOCK_DGRAM | SOCK_NONBLOCK, 0);
  if (fd < 0) die("socket");
  int size = RECEIVE_BUFFER_BYTES, on = 1;
  setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, sizeof size);
  setsockopt(fd, SOL_SOCKET, SO_TIMESTAMPNS, &on, sizeof on);
  struct sockaddr_in to = { .sin_family = AF_INET, .sin_port = htons(port), .sin_addr.s_addr = address };
  if (connect(fd, (struct sockaddr *)&to, sizeof to) < 0) die("connect");
  Transport *t = calloc(1, sizeof *t);
  t->id = id;
  t->fd = fd;
  t->phase = (int)(transports_opened++ % PHASES);
  t->next = transports;
  transports = t;
  struct epoll_event event = { .events = EPOLLIN, .data.ptr = t };
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, fd, &event) < 0) die("epoll_ctl");
  emit(EVT_OPENED, &id, 4, NULL, 0);
}

/* SEND: u32 transport id, the datagram (STUN, DTLS) as is. */
static void command_send(const uint8_t *at, size_t length) {
  Transport *t = find_transport(read_u32(&at));
  if (t) send(t->fd, at, length - 4, 0);
}

/* KEYS: u32 transport id, the 60 bytes exported by DTLS (client key, server key, client salt, server salt; RFC 5764 §4.2). */
static void command_keys(const uint8_t *at) {
  Transport *t = find_transport(read_u32(&at));
  if (!t || t->keyed) return;
  srtp_keys(&t->tx, at, at + 32);
  srtp_keys(&t->rx, at + 16, at + 46);
  t->keyed = 1;
  /* ICE and DTLS are done: from now on the socket is drained every DRAIN_MS, not woken per datagram. */
  epoll_ctl(epoll_fd, EPOLL_CTL_DEL, t->fd, NULL);
}

/*
 * CLIP: u32 clip id, u8 video, u32 clock rate, f64 frame interval (ms), u32 frame count, then per
 * frame u8 key frame, u16 packet count, and per packet u16 length and the payload (a video payload
 * without its VP8 descriptor, written at send time).
 */
static void command_clip(const uint8_t *at, size_t length) {
  const uint8_t *end = at + length;
  Clip *clip = calloc(1, sizeof *clip);
  clip->id = read_u32(&at);
  clip->video = *at++;
  clip->clock_rate = read_u32(&at);
  memcpy(&clip->interval_ms, at, 8);
  at += 8;
  clip->frame_count = read_u32(&at);
  clip->frames = calloc(clip->frame_count, sizeof *clip->frames);
  clip->data = malloc((size_t)(end - at));
  memcpy(clip->data, at, (size_t)(end - at));
  at = clip->data;
  for (uint32_t f = 0; f < clip->frame_count; f++) {
    Frame *frame = &clip->frames[f];
    frame->keyframe = *at++;
    frame->count = read_u16(&at);
    frame->payloads = calloc(frame->count, sizeof *frame->payloads);
    frame->lengths = calloc(frame->count, sizeof *frame->lengths);
    for (uint16_t p = 0; p < frame->count; p++) {
      frame->lengths[p] = read_u16(&at);
      frame->payloads[p] = at;
      at += frame->lengths[p];
    }
  }
  clips = realloc(clips, (clip_count + 1) * sizeof *clips);
  clips[clip_count++] = clip;
}

/* STREAM: u32 stream id, u32 transport id, u32 clip id, u32 SSRC, u8 payload type, f64 delay before its first frame (ms). */
static void command_stream(const uint8_t *at) {
  uint32_t id = read_u32(&at);
  Transport *t = find_transport(read_u32(&at));
  const Clip *clip = find_clip(read_u32(&at));
  uint32_t ssrc = read_u32(&at);
  uint8_t payload_type = *at++;
  double delay;
  memcpy(&delay, at, 8);
  if (!t || !t->keyed || !clip) {
    emit_error("STREAM: unknown transport or clip, or no keys yet");
    return;
  }
  Stream *s = calloc(1, sizeof *s);
  s->id = id;
  s->transport = t;
  s->clip = clip;
  s->ssrc = ssrc;
  s->payload_type = payload_type;
  s->sequence = (uint16_t)rand();
  s->timestamp = (uint32_t)rand();
  s->picture_id = (uint16_t)(rand() & 0x7fff);
  s->next_frame_at = now_ms() + delay;
  s->history = malloc((size_t)HISTORY * PACKET_ROOM);
  s->next = streams;
  streams = s;
}

/* RECEIVE: u32 transport id, u32 SSRC, u32 clock rate: count that stream's packets. */
static void command_receive(const uint8_t *at) {
  Transport *t = find_transport(read_u32(&at));
  uint32_t ssrc = read_u32(&at);
  uint32_t clock_rate = read_u32(&at);
  if (!t || t->receiver_count == MAX_RECEIVERS) return;
  for (int i = 0; i < t->receiver_count; i++)
    if (t->receivers[i].ssrc == ssrc) return;
  Receiver *r = &t->receivers[t->receiver_count++];
  memset(r, 0, sizeof *r);
  r->ssrc = ssrc;
  r->clock_rate = clock_rate;
  r->base_seq = r->highest = -1;
}

/* CLOSE: u32 transport id: its socket, streams and counters end (their counts leave STATS). */
static void command_close(const uint8_t *at) {
  uint32_t id = read_u32(&at);
  for (Stream **link = &streams; *link;) {
    Stream *s = *link;
    if (s->transport->id == id) {
      *link = s->next;
      free(s->history);
      free(s);
    } else {
      link = &s->next;
    }
  }
  for (Transport **link = &transports; *link; link = &(*link)->next) {
    Transport *t = *link;
    if (t->id != id) continue;
    *link = t->next;
    close(t->fd); /* also leaves the epoll set */
    if (t->keyed) {
      free_session_keys(&t->tx.rtp);
      free_session_keys(&t->tx.rtcp);
      free_session_keys(&t->rx.rtp);
      free_session_keys(&t->rx.rtcp);
    }
    free(t);
    return;
  }
}

/*
 * STATS: u32 request id → STATS: u32 request id and JSON text:
 * {"streams":[[id,packets,bytes,nacks,retransmitted,plis,firs,skippedFrames]…],
 *  "receivers":[[transportId,ssrc,received,bytes,frames,expected,jitterMs]…],"unknown":n}
 */
static void command_stats(const uint8_t *at) {
  uint32_t request = read_u32(&at);
  size_t room = 4096, used = 0;
  char *json = malloc(room);
#define APPEND(...)                                                                 \
  do {                                                                              \
    int wanted = snprintf(json + used, room - used, __VA_ARGS__);                   \
    while ((size_t)wanted >= room - used) {                                         \
      room *= 2;                                                                    \
      json = realloc(json, room);                                                   \
      wanted = snprintf(json + used, room - used, __VA_ARGS__);                     \
    }                                                                               \
    used += (size_t)wanted;                                                         \
  } while (0)
  APPEND("{\"streams\":[");
  for (Stream *s = streams; s; s = s->next)
    APPEND("%s[%u,%lu,%lu,%lu,%lu,%lu,%lu,%lu]", s == streams ? "" : ",", s->id, s->packets, s->bytes, s->nacks, s->retransmitted, s->plis, s->firs, s->skipped);
  APPEND("],\"receivers\":[");
  uint64_t unknown = 0;
  int first = 1;
  for (Transport *t = transports; t; t = t->next) {
    unknown += t->unknown;
    for (int i = 0; i < t->receiver_count; i++) {
      Receiver *r = &t->receivers[i];
      int64_t expected = r->highest < 0 ? 0 : r->highest - r->base_seq + 1;
      APPEND("%s[%u,%u,%lu,%lu,%lu,%ld,%.3f]", first ? "" : ",", t->id, r->ssrc, r->received, r->bytes, r->frames, expected, r->jitter * 1000 / r->clock_rate);
      first = 0;
    }
  }
  APPEND("],\"unknown\":%lu}", unknown);
#undef APPEND
  emit(EVT_STATS, &request, 4, json, used);
  free(json);
}

static void command(uint8_t type, const uint8_t *body, size_t length) {
  switch (type) {
    case CMD_OPEN: command_open(body); break;
    case CMD_SEND: command_send(body, length); break;
    case CMD_KEYS: command_keys(body); break;
    case CMD_CLIP: command_clip(body, length); break;
    case CMD_STREAM: command_stream(body); break;
    case CMD_RECEIVE: command_receive(body); break;
    case CMD_CLOSE: command_close(body); break;
    case CMD_STATS: command_stats(body); break;
    default: emit_error("unknown command");
  }
}

/* Whole frames from stdin; false once the parent closed it (the pump then ends). */
static int read_commands(void) {
  static uint8_t *buffer;
  static size_t used, room;
  for (;;) {
    if (room - used < 65536) {
      room = room ? room * 2 : 1 << 20;
      buffer = realloc(buffer, room);
    }
    ssize_t n = read(0, buffer + used, room - used);
    if (n == 0) return 0;
    if (n < 0) {
      if (errno == EAGAIN || errno == EINTR) break;
      return 0;
    }
    used += (size_t)n;
  }
  size_t at = 0;
  while (used - at >= 4) {
    uint32_t length;
    memcpy(&length, buffer + at, 4);
    if (used - at - 4 < length) break;
    command(buffer[at + 4], buffer + at + 5, length - 1);
    at += 4 + length;
  }
  memmove(buffer, buffer + at, used - at);
  used -= at;
  return 1;
}

int main(void) {
  srand((unsigned)time(NULL) ^ (unsigned)getpid());
  clock_gettime(CLOCK_REALTIME, &wall_base);
  epoll_fd = epoll_create1(0);
  if (epoll_fd < 0) die("epoll_create1");
  if (fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK) < 0) die("stdin");
  struct epoll_event input = { .events = EPOLLIN, .data.ptr = NULL };
  if (epoll_ctl(epoll_fd, EPOLL_CTL_ADD, 0, &input) < 0) die("epoll_ctl stdin");
  double next_slot = now_ms(), next_drain = next_slot + DRAIN_MS, next_report = next_slot + REPORT_INTERVAL_MS;
  uint64_t slot = 0;
  struct epoll_event events[64];
  for (;;) {
    double wait = next_slot - now_ms();
    int n = epoll_wait(epoll_fd, events, 64, wait > 0 ? (int)ceil(wait) : 0);
    if (n < 0 && errno != EINTR) die("epoll_wait");
    for (int i = 0; i < n; i++) {
      if (events[i].data.ptr == NULL) {
        if (!read_commands()) return 0;
      } else {
        receive(events[i].data.ptr);
      }
    }
    double now = now_ms();
    if (now >= next_slot) {
      int phase = (int)(slot++ % PHASES);
      for (Stream *s = streams; s; s = s->next)
        if (s->transport->phase == phase) tick_stream(s, now);
      for (Transport *t = transports; t; t = t->next)
        if (t->out_count) flush(t);
      next_slot += SLOT_MS;
      if (next_slot < now) next_slot = now + SLOT_MS;
    }
    if (now >= next_drain) {
      for (Transport *t = transports; t; t = t->next)
        if (t->keyed) receive(t);
      next_drain += DRAIN_MS;
      if (next_drain < now) next_drain = now + DRAIN_MS;
    }
    if (now >= next_report) {
      for (Stream *s = streams; s; s = s->next) send_report(s, now);
      next_report += REPORT_INTERVAL_MS;
    }
  }
}
