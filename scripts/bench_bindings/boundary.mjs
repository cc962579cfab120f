// Per-chunk cost of the core calls through jco (see boundary.py): run from an npm project with
// azspeech installed. Prints microseconds per chunk.
import { createRequire } from 'node:module';
import { pathToFileURL } from 'node:url';

const entry = pathToFileURL(createRequire(import.meta.url).resolve('azspeech'));
const { instantiateCore, configCall } = await import(new URL('./core.js', entry));
const CHUNKS = 250;
const core = instantiateCore();
const settings = configCall(() => core.config.resolve([
  { name: 'SPEECH_KEY', value: { tag: 'secret', val: true }, source: 'environment' },
  { name: 'SPEECH_ENDPOINT', value: { tag: 'text', val: 'ws://127.0.0.1:9' }, source: 'environment' },
]));
const options = { mode: 'conversation', language: '', format: 'simple', wordTimestamps: false, phraseList: [], audio: { sampleRate: 16000, bitsPerSample: 16, channels: 1 }, maxUnacknowledgedMs: 60000 };
const session = new core.recognition.Recognizer(settings, options, { seed: 1n, pace: { tag: 'max' }, keySlot: 'primary' });
const now = Date.now();
session.pollConnect(now);
session.handleConnected(now);
while (session.pollTransmit(now) !== undefined);
let headerBytes = 0;
const start = performance.now();
for (let i = 0; i < CHUNKS; i++) {
  session.pushAudio(now, 3200);
  let transmit;
  while ((transmit = session.pollTransmit(now)) !== undefined) if (transmit.tag === 'audio') headerBytes = transmit.val.header.length;
  while (session.pollEvent() !== undefined);
  session.pollTimeout();
}
const perChunk = ((performance.now() - start) / CHUNKS) * 1000;
console.log(JSON.stringify({ runtime: 'node jco', us_per_chunk: Math.round(perChunk * 10) / 10, audio_header_bytes: headerBytes }));
