// The public API: fromEnv() and Speech.
import { closeSync, openSync, readSync, renameSync, rmSync, writeSync, ftruncateSync } from 'node:fs';
import { randomBytes } from 'node:crypto';
import { configCall, instantiateCore, plain } from './core.js';
import { Credentials } from './credentials.js';
import { TransportOptions } from './transport.js';
import { AudioError, speechError } from './errors.js';
import { recognize, synthesize } from './sessions.js';

// Variable name prefixes passed to the core (the Rust host's `settings_input::PREFIXES`).
const PREFIXES = ['SPEECH_', 'AZURE_', 'IDENTITY_', 'MSI_', 'IMDS_'];
export const DEFAULT_OUTPUT_FORMAT = 'riff-16khz-16bit-mono-pcm';

/** The core's `setting` list: secrets only as present (non-blank) or not. */
export function settingsFromEnvironment(env, secretNames) {
  return Object.entries(env)
    .filter(([name, value]) => value !== undefined && PREFIXES.some((p) => name.startsWith(p)))
    .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
    .map(([name, value]) => ({
      name,
      value: secretNames.includes(name) ? { tag: 'secret', val: value.trim() !== '' } : { tag: 'text', val: value },
      source: 'environment',
    }));
}

function coreCall(fn) {
  try {
    return fn();
  } catch (error) {
    throw error?.payload?.tag ? speechError(error.payload) : error;
  }
}

/** A 16-bit mono PCM WAV file: its sample rate and where the samples start. */
function wavPcm(path, fd) {
  const head = Buffer.alloc(4096);
  const len = readSync(fd, head, 0, head.length, 0);
  if (len < 12 || head.toString('ascii', 0, 4) !== 'RIFF' || head.toString('ascii', 8, 12) !== 'WAVE') {
    throw new AudioError(`cannot read ${path} as a WAV file`, 'pass a RIFF/WAVE file of 16-bit PCM');
  }
  let format = null;
  for (let at = 12; at + 8 <= len; ) {
    const id = head.toString('ascii', at, at + 4);
    const size = head.readUInt32LE(at + 4);
    if (id === 'fmt ') format = { channels: head.readUInt16LE(at + 10), rate: head.readUInt32LE(at + 12), bits: head.readUInt16LE(at + 22) };
    if (id === 'data' && format) {
      if (format.bits !== 16 || format.channels !== 1 || ![8000, 16000].includes(format.rate)) {
        throw new AudioError(`${path} is ${format.channels} channel(s) of ${format.bits}-bit audio at ${format.rate} Hz; recognition takes 16-bit mono PCM at 16 or 8 kHz`, `convert it, e.g. \`sox ${path} -r 16000 -c 1 -b 16 out.wav\``);
      }
      return { sampleRate: format.rate, offset: at + 8 };
    }
    at += 8 + size + (size % 2);
  }
  throw new AudioError(`${path} has no PCM data chunk`, 'pass a RIFF/WAVE file of 16-bit PCM');
}

/** A resolved configuration plus what sessions need. One Speech serves many concurrent sessions, each on its own core instance. */
export class Speech {
  constructor(env, credential, flags = {}) {
    const core = instantiateCore();
    const settings = settingsFromEnvironment(env, core.config.secretNames()).filter((s) => !(s.name in flags));
    for (const [name, value] of Object.entries(flags)) settings.push({ name, value: { tag: 'text', val: value }, source: 'flag' });
    this.settings = configCall(() => core.config.resolve(settings));
    this.transport = TransportOptions.fromEnv(env);
    this.credentials = new Credentials(env, credential, this.transport);
    if (!credential && this.settings.auth === 'entra') this.credentials.requireEntra();
  }

  /** What `azspeech doctor --json` reports (without probing), as a value. */
  explain() {
    const core = instantiateCore();
    const s = plain(this.settings);
    const plan = (kind) => configCall(() => core.connection.plan(this.settings, `${kind}-websocket`, { connectionId: '0'.repeat(32) }));
    const [stt, tts] = [plan('stt'), plan('tts')];
    const tokenFormat = (auth) => (auth.tag === 'subscription-key' ? 'none' : auth.tag === 'bearer' && auth.val.format.tag === 'aad-prefixed' ? 'aad' : 'raw');
    return {
      auth: s.auth, endpointKind: s.endpoint.kind, endpointHost: s.endpoint.host, cloud: s.cloud, region: s.region, resourceId: s.resourceId,
      language: s.language, voice: s.voice, sttUrl: stt.url, ttsUrl: tts.url, tokenFormat: tokenFormat(stt.auth), ttsTokenFormat: tokenFormat(tts.auth),
      sttAuth: stt.auth.tag, ttsAuth: tts.auth.tag, credentialSource: s.credential, explanation: s.explanation, findings: plain(core.config.diagnose(this.settings)),
    };
  }

  policy({ pace, maxConnectionMs } = {}) {
    return {
      seed: randomBytes(8).readBigUInt64LE(),
      maxConnectionMs,
      pace: pace === undefined ? { tag: 'max' } : { tag: 'factor', val: pace },
      keySlot: this.credentials.secondaryPreferred ? 'secondary' : 'primary',
    };
  }

  /** Async iterator of recognition events of a WAV file (16-bit mono PCM, 16 or 8 kHz): `hypothesis`, `phrase` (each final phrase once, in order), ..., `finished` last. */
  async *recognize(path, { mode = 'conversation', language = '', detailed = false, wordTimestamps = false, phraseList = [], pace, maxConnectionMs } = {}) {
    let fd;
    try {
      fd = openSync(path, 'r');
    } catch (error) {
      throw new AudioError(`cannot open ${path}: ${error.message}`, 'pass a readable WAV file');
    }
    try {
      const { sampleRate, offset } = wavPcm(path, fd);
      const options = { mode, language, format: detailed ? 'detailed' : 'simple', wordTimestamps, phraseList, audio: { sampleRate, bitsPerSample: 16, channels: 1 } };
      yield* recognize(this, instantiateCore(), fd, offset, options, this.policy({ pace, maxConnectionMs }));
    } finally {
      closeSync(fd);
    }
  }

  /** The whole transcript of a WAV file: { text, phrases, summary }. */
  async recognizeFile(path, options = {}) {
    const phrases = [];
    let summary;
    for await (const event of this.recognize(path, options)) {
      if (event.kind === 'phrase' && event.value.status === 'success') phrases.push(event.value);
      if (event.kind === 'finished') summary = event.value;
    }
    return { text: phrases.map((p) => p.text).join(' '), phrases, summary };
  }

  /** Async iterator of synthesis events: `audio` (bytes in `.audio`), boundaries, `request-restarted` (discard audio from `.value.discardFrom`), `finished` last. */
  async *synthesize(text, { ssml = false, outputFormat = DEFAULT_OUTPUT_FORMAT, voice = '', language = '', wordBoundaries = false, sentenceBoundaries = false } = {}) {
    const options = { outputFormat, voice, language, wordBoundaries, sentenceBoundaries, punctuationBoundaries: false, visemes: false, bookmarks: false };
    yield* synthesize(this, instantiateCore(), [[ssml, text]], options, this.policy());
  }

  /** Synthesize into a file (WAV for `riff-*` formats); resolves to the summary. A request sent again after a dropped connection rewinds the file first. */
  async synthesizeToFile(text, path, options = {}) {
    const outputFormat = options.outputFormat ?? DEFAULT_OUTPUT_FORMAT;
    const core = instantiateCore();
    const riff = coreCall(() => core.synthesis.describeFormat(outputFormat)).needsRiffHeader;
    const header = (len) => (riff ? coreCall(() => core.synthesis.wavHeader(outputFormat, len)) : new Uint8Array(0));
    const partial = `${path}.partial`;
    const fd = openSync(partial, 'w');
    let written = 0;
    let summary;
    try {
      const headerLen = writeSync(fd, header(0), 0, header(0).length, 0);
      for await (const event of this.synthesize(text, { ...options, outputFormat })) {
        if (event.kind === 'audio') written += writeSync(fd, event.audio, 0, event.audio.length, headerLen + written);
        else if (event.kind === 'request-restarted' && event.value.discardFrom < written) {
          written = event.value.discardFrom;
          ftruncateSync(fd, headerLen + written);
        } else if (event.kind === 'finished') summary = event.value;
      }
      if (riff) writeSync(fd, header(written), 0, headerLen, 0);
      closeSync(fd);
      renameSync(partial, path);
      return summary;
    } catch (error) {
      try { closeSync(fd); } catch { /* already closed */ }
      rmSync(partial, { force: true });
      throw error;
    }
  }
}

/** A Speech from the same variables as the azspeech CLI (SPEECH_KEY, SPEECH_REGION, SPEECH_ENDPOINT, SPEECH_AUTH, SPEECH_RESOURCE_ID, ...), resolved by the core. `credential`: any `getToken(scope)` object (@azure/identity) or a function returning a token. Throws ConfigurationError with the fix when the variables cannot work. */
export function fromEnv({ credential, env = process.env, language, voice } = {}) {
  const flags = Object.fromEntries(Object.entries({ SPEECH_LANGUAGE: language, SPEECH_VOICE: voice }).filter(([, v]) => v !== undefined));
  return new Speech({ ...env }, credential, flags);
}
