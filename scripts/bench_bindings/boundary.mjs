// Per-chunk cost of the core calls through jco (see boundary.py): run from an npm project with
// azspeech installed. Prints wall and CPU microseconds per chunk, and CPU by call.
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
const cpu = { pushAudio: 0, pollTransmit: 0, pollEvent: 0, pollTimeout: 0 };
const call = (name, ...args) => {
  const start = process.cpuUsage();
  const result = session[name](...args);
  const used = process.cpuUsage(start);
  cpu[name] += used.user + used.system;
  return result;
};
const wall = performance.now();
for (let i = 0; i < CHUNKS; i++) {
  call('pushAudio', now, 3200);
  let transmit;
  while ((transmit = call('pollTransmit', now)) !== undefined) if (transmit.tag === 'audio') headerBytes = transmit.val.header.length;
  while (call('pollEvent') !== undefined);
  call('pollTimeout');
}
const round = (us) => Math.round(us / CHUNKS);
console.log(JSON.stringify({
  runtime: 'node jco',
  wall_us_per_chunk: round((performance.now() - wall) * 1000),
  cpu_us_per_chunk: round(Object.values(cpu).reduce((a, b) => a + b)),
  cpu_us_per_chunk_by_call: Object.fromEntries(Object.entries(cpu).map(([k, v]) => [k, round(v)])),
  audio_header_bytes: headerBytes,
}));
