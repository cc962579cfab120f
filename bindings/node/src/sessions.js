// The pumps: the core's `recognizer` and `synthesizer`, driven over a WebSocket.
//
// Exactly like the Rust host's pumps (host/src/speech/): open the connection `pollConnect` asks
// for (with the credential its auth plan names), send what `pollTransmit` yields, feed back every
// message, close and failure (`handle*`, with `now` in ms), wake at `pollTimeout`, hand
// `pollEvent`s to the caller. Reconnects, replay, backoff, pacing and key failover are the
// core's. Audio stays here: recognition audio frames name [start, end) of the driver's buffer;
// synthesis passes only each binary frame's header block in and gets back the audio's range.
import { readSync } from 'node:fs';
import { plain } from './core.js';
import { ConnectFailed, networkKind, openWebSocket } from './transport.js';
import { CredentialError, sessionFailed, speechError } from './errors.js';

// PCM bytes read from the source at a time: 100 ms at 16 kHz, as the official SDK sends.
export const CHUNK_BYTES = 3200;
const now = () => Date.now();
const nextTurn = () => new Promise((resolve) => setImmediate(resolve));

/** One session's connection: opening it, sending the core's transmits, receiving. */
class Link {
  constructor(session, speech) {
    Object.assign(this, { session, speech, socket: null, inbox: [], wake: null });
  }

  async connectIfAsked() {
    const request = this.session.pollConnect(now());
    if (request === undefined) return false;
    const { plan } = request;
    try {
      const header = await this.speech.credentials.header(plan.auth, request.freshCredential);
      this.attach(await openWebSocket(this.speech.transport, plan.url, [...plan.headers, header], plan.subprotocol));
    } catch (error) {
      if (error instanceof CredentialError) {
        this.session.handleConnectFailed(now(), { tag: 'credential', val: { message: error.detail, httpStatus: error.httpStatus } });
      } else if (error instanceof ConnectFailed) {
        this.session.handleConnectFailed(now(), { tag: error.kind, val: error.fields });
      } else throw error;
      return true;
    }
    this.session.handleConnected(now());
    return true;
  }

  attach(socket) {
    let lastError = null;
    const deliver = (item) => {
      if (this.socket !== socket) return; // a connection the core already closed
      if (item.closed) this.socket = null;
      this.inbox.push(item);
      this.wake?.();
    };
    socket.on('message', (data, isBinary) => deliver({ message: isBinary ? new Uint8Array(data.buffer, data.byteOffset, data.length) : data.toString('utf8') }));
    socket.on('error', (error) => (lastError = error));
    socket.on('close', (code, reason) => {
      const closed =
        code === 1006 || (code === 1005 && lastError)
          ? { tag: 'broken', val: { kind: lastError ? networkKind(lastError) : 'eof', message: lastError?.message ?? 'the connection closed without a WebSocket close frame' } }
          : { tag: 'frame', val: { code, reason: reason.toString('utf8') } };
      deliver({ closed });
    });
    this.socket = socket;
  }

  sendTransmits(at, audio) {
    let transmit;
    while ((transmit = this.session.pollTransmit(at)) !== undefined) {
      if (!this.socket) break;
      const { tag, val } = transmit;
      if (tag === 'close') {
        const socket = this.socket;
        this.socket = null;
        socket.close(val.code, val.reason);
        continue;
      }
      this.socket.send(tag === 'message' ? val.val : Buffer.concat([val.header, audio(Number(val.start), Number(val.end))]));
    }
  }

  /** The next received item within `timeoutMs` (0: only one already here; undefined: no limit). */
  async receive(timeoutMs) {
    if (!this.inbox.length && timeoutMs !== 0) {
      await new Promise((resolve) => {
        const timer = timeoutMs === undefined ? null : setTimeout(resolve, timeoutMs);
        this.wake = () => {
          clearTimeout(timer);
          resolve();
        };
      });
      this.wake = null;
    }
    const item = this.inbox.shift();
    if (item?.closed) this.session.handleClosed(now(), item.closed);
    return item?.message;
  }

  notice({ tag, val }) {
    if (tag === 'key-failover' && val === 'secondary') {
      this.speech.credentials.secondaryPreferred = true;
      console.warn('azspeech: SPEECH_KEY was refused (401) and SPEECH_KEY_SECONDARY was accepted: using the secondary key');
    }
  }

  /** The core's events; throws on `failed`, swallows notices. */
  *events() {
    let event;
    while ((event = this.session.pollEvent()) !== undefined) {
      if (event.tag === 'failed') throw sessionFailed(event.val);
      if (event.tag === 'notice') this.notice(event.val);
      else yield { kind: event.tag, value: plain(event.val) };
    }
  }

  close() {
    this.socket?.close(1000);
    this.socket = null;
    this.session[Symbol.dispose]?.();
  }
}

/** The audio the service has not finished with, as the chunks pushed, addressed by stream offsets. */
class AudioRing {
  constructor() {
    Object.assign(this, { chunks: [], base: 0, end: 0 }); // chunks[0] starts at stream offset `base`
  }

  push(chunk) {
    this.chunks.push(chunk);
    this.end += chunk.length;
  }

  /** Drop whole chunks before `offset`. */
  release(offset) {
    while (this.chunks.length && this.base + this.chunks[0].length <= offset) this.base += this.chunks.shift().length;
  }

  /** The bytes [start, end) of the stream. */
  range(start, end) {
    if (start < this.base || end > this.end || end < start) throw new Error(`internal error: audio [${start}, ${end}) is no longer buffered`);
    const parts = [];
    let at = this.base;
    for (const chunk of this.chunks) {
      const from = Math.max(start, at);
      const to = Math.min(end, at + chunk.length);
      if (from < to) parts.push(chunk.subarray(from - at, to - at));
      at += chunk.length;
      if (at >= end) break;
    }
    return parts.length === 1 ? parts[0] : Buffer.concat(parts);
  }
}

const waitMs = (deadline, at) => (deadline === undefined ? undefined : Math.max(0, Number(deadline) - at));

/** Recognize PCM read from file descriptor `fd` from byte `offset` (16-bit mono). */
export async function* recognize(speech, core, fd, offset, options, policy) {
  const session = new core.recognition.Recognizer(speech.settings, options, policy);
  const link = new Link(session, speech);
  const ring = new AudioRing();
  let pending = null;
  let sourceDone = false;
  let heard = false;
  try {
    for (;;) {
      const at = now();
      if (!link.socket && (await link.connectIfAsked())) continue;
      link.sendTransmits(at, (start, end) => ring.range(start, end));
      for (const event of link.events()) {
        yield event;
        if (event.kind === 'finished') return;
      }
      if (heard) {
        heard = false;
        ring.release(Number(session.acknowledgedBytes()));
      }
      if (pending) {
        try {
          session.pushAudio(at, pending.length);
          ring.push(pending);
          pending = null;
          continue;
        } catch (error) {
          if (error?.payload?.limitBytes === undefined) throw error; // else backpressure: keep pumping
        }
      }
      const deadline = session.pollTimeout();
      const mayRead = !sourceDone && !pending;
      if (link.socket || link.inbox.length) {
        const message = await link.receive(mayRead ? 0 : waitMs(deadline, at));
        if (message !== undefined) {
          session.handleMessage(now(), typeof message === 'string' ? { tag: 'text', val: message } : { tag: 'binary', val: message });
          heard = true;
          continue;
        }
        if (!link.socket) continue;
      } else if (!mayRead) {
        await new Promise((resolve) => setTimeout(resolve, waitMs(deadline, at) ?? 0));
      }
      if (mayRead) {
        await nextTurn(); // let the socket's events in between chunks
        const chunk = Buffer.alloc(CHUNK_BYTES);
        const read = readSync(fd, chunk, 0, CHUNK_BYTES, offset);
        offset += read;
        if (read === 0) {
          sourceDone = true;
          session.endAudio(now());
        } else pending = chunk.subarray(0, read);
        continue;
      }
      if (deadline !== undefined && now() >= Number(deadline)) session.handleTimeout(now());
    }
  } finally {
    link.close();
  }
}

/** Synthesize `inputs` ([isSsml, text] pairs); audio comes out in `audio` events. */
export async function* synthesize(speech, core, inputs, options, policy) {
  const session = new core.synthesis.Synthesizer(speech.settings, options, policy);
  const link = new Link(session, speech);
  try {
    for (const [isSsml, text] of inputs) {
      try {
        isSsml ? session.speakSsml(text) : session.speakText(text);
      } catch (error) {
        throw error?.payload?.tag ? speechError(error.payload) : error;
      }
    }
    session.endInput(now());
    let frame = null; // the binary frame whose head went in last: audio events name ranges of it
    for (;;) {
      const at = now();
      if (await link.connectIfAsked()) continue;
      link.sendTransmits(at);
      for (const event of link.events()) {
        if (event.kind === 'audio') {
          if (!frame) continue;
          event.audio = frame.subarray(event.value.start, event.value.start + event.value.len);
        }
        yield event;
        if (event.kind === 'finished') return;
      }
      frame = null;
      const deadline = session.pollTimeout();
      if (link.socket || link.inbox.length) {
        const message = await link.receive(waitMs(deadline, at));
        if (message instanceof Uint8Array) {
          const headLen = message.length >= 2 ? Math.min(message.length, 2 + ((message[0] << 8) | message[1])) : message.length;
          session.handleBinaryHead(now(), message.subarray(0, headLen), message.length);
          frame = message;
          continue;
        }
        if (message !== undefined) {
          session.handleMessage(now(), { tag: 'text', val: message });
          continue;
        }
      } else await new Promise((resolve) => setTimeout(resolve, waitMs(deadline, at) ?? 0));
      if (deadline !== undefined && now() >= Number(deadline)) session.handleTimeout(now());
    }
  } finally {
    link.close();
  }
}
