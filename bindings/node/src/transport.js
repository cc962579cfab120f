// Sockets: WebSockets (`ws`, which reports why an upgrade was refused) and the one HTTP POST of
// the STS exchange. Like the Rust host: AZSPEECH_CONNECT_TO=HOST=IP:PORT[,...] sends requests for
// HOST to that address, keeping HOST in the URL, the Host header and the TLS server name; and
// AZSPEECH_CA_FILE adds a PEM of CA certificates to Node's roots. Failures are reported in the
// core's terms (`connect-failure`, `network-error-kind`).
import { readFileSync } from 'node:fs';
import https from 'node:https';
import http from 'node:http';
import net from 'node:net';
import tls from 'node:tls';
import WebSocket from 'ws';
import { ConfigurationError } from './errors.js';

export const CONNECT_TIMEOUT_MS = 30000;

export class TransportOptions {
  constructor(connectTo = new Map(), caFile = undefined) {
    this.connectTo = connectTo;
    this.ca = caFile ? [...tls.rootCertificates, readFileSync(caFile, 'utf8')] : undefined;
  }

  static fromEnv(env) {
    const connectTo = new Map();
    for (const entry of (env.AZSPEECH_CONNECT_TO ?? '').split(',').map((e) => e.trim()).filter(Boolean)) {
      const match = /^([^=]+)=\[?([^\]]+?)\]?:(\d+)$/.exec(entry);
      if (!match || !net.isIP(match[2])) {
        throw new ConfigurationError(`invalid connect-to override \`${entry}\``, 'expected HOST=IP:PORT, e.g. contoso.cognitiveservices.azure.com=127.0.0.1:8443', { variable: 'AZSPEECH_CONNECT_TO' });
      }
      connectTo.set(match[1].trim().toLowerCase(), { host: match[2], port: Number(match[3]) });
    }
    return new TransportOptions(connectTo, env.AZSPEECH_CA_FILE || undefined);
  }

  /** Options for `ws` / `https.request`: the CA and a connection to the overridden address. */
  requestOptions(url) {
    const secure = url.protocol === 'wss:' || url.protocol === 'https:';
    const target = this.connectTo.get(url.hostname.toLowerCase());
    const options = { ca: this.ca };
    if (target) {
      options.createConnection = (opts) =>
        secure ? tls.connect({ ...opts, host: target.host, port: target.port, servername: url.hostname }) : net.connect({ ...opts, host: target.host, port: target.port });
    }
    return options;
  }
}

/** A failed connection attempt: `kind` and `fields` form the core's `connect-failure`. */
export class ConnectFailed extends Error {
  constructor(kind, fields) {
    super(fields.message ?? fields.body ?? kind);
    Object.assign(this, { kind, fields });
  }
}

/** The core's `network-error-kind` of a Node socket error. */
export function networkKind(error) {
  const code = error?.code ?? '';
  if (code === 'ENOTFOUND' || code === 'EAI_AGAIN') return 'dns';
  if (code === 'ECONNREFUSED') return 'refused';
  if (code === 'ECONNRESET' || code === 'EPIPE') return 'reset';
  if (code === 'ETIMEDOUT' || code === 'ESOCKETTIMEDOUT') return 'timeout';
  if (code.startsWith('ERR_TLS') || code.startsWith('ERR_SSL') || /CERT|SELF_SIGNED|UNABLE_TO_VERIFY/.test(code)) return 'tls';
  return 'other';
}

/** Open a WebSocket; resolves when it is open, rejects with ConnectFailed. */
export function openWebSocket(options, url, headers, subprotocol) {
  const target = new URL(url);
  return new Promise((resolve, reject) => {
    const socket = new WebSocket(url, subprotocol ? [subprotocol] : [], {
      ...options.requestOptions(target),
      headers: Object.fromEntries(headers),
      handshakeTimeout: CONNECT_TIMEOUT_MS,
      perMessageDeflate: false,
      maxPayload: 0,
    });
    socket.once('open', () => resolve(socket));
    socket.once('unexpected-response', (_request, response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => {
        const retryAfter = response.headers['retry-after'];
        reject(new ConnectFailed('rejected', { status: response.statusCode, retryAfter, body: body.slice(0, 2000) }));
        socket.terminate();
      });
    });
    socket.once('error', (error) => reject(new ConnectFailed('network', { kind: networkKind(error), message: error.message })));
  });
}

/** POST an empty form body; resolves to {status, body}. */
export function post(options, url, headers) {
  const target = new URL(url);
  const request = target.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    const req = request(target, { method: 'POST', agent: false, timeout: CONNECT_TIMEOUT_MS, headers: { ...headers, 'Content-Length': '0' }, ...options.requestOptions(target) }, (response) => {
      let body = '';
      response.setEncoding('utf8');
      response.on('data', (chunk) => (body += chunk));
      response.on('end', () => resolve({ status: response.statusCode, body }));
    });
    req.on('error', reject);
    req.end();
  });
}
