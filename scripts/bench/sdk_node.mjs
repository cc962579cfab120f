// The official Node Speech SDK (microsoft-cognitiveservices-speech-sdk) doing one benchmark task
// against the emulator; run in its own process by scripts/bench/side_by_side.py, from an npm
// project that has the SDK installed.
//
// node sdk_node.mjs READY.json stt WAV     -> prints {"phrases": N, "text": "..."} (recognized)
// node sdk_node.mjs READY.json tts TEXT    -> writes raw 16-kHz PCM to stdout as it arrives
//
// The SDK paces file input at twice real time after its first 5 s; its throttle property is
// raised so it sends as fast as the service takes it, as azspeech does.
import { readFileSync, writeSync } from 'node:fs';
import { createRequire } from 'node:module';

const require = createRequire(`${process.cwd()}/`);
const sdk = require('microsoft-cognitiveservices-speech-sdk');
const [readyPath, task, arg] = process.argv.slice(2);
const ready = JSON.parse(readFileSync(readyPath, 'utf8'));
const endpoint = ready.endpoint.replace('http://', 'ws://');

if (task === 'stt') {
  const config = sdk.SpeechConfig.fromEndpoint(new URL(`${endpoint}/speech/recognition/conversation/cognitiveservices/v1`), ready.key);
  config.setProperty('SPEECH-TransmitLengthBeforThrottleMs', '100000000');
  const recognizer = new sdk.SpeechRecognizer(config, sdk.AudioConfig.fromWavFileInput(readFileSync(arg)));
  const phrases = [];
  await new Promise((resolve, reject) => {
    recognizer.recognized = (_s, e) => e.result.reason === sdk.ResultReason.RecognizedSpeech && phrases.push(e.result.text);
    recognizer.sessionStopped = () => resolve();
    recognizer.canceled = (_s, e) => (e.reason === sdk.CancellationReason.Error ? reject(new Error(e.errorDetails)) : resolve());
    recognizer.startContinuousRecognitionAsync(undefined, reject);
  });
  await new Promise((resolve) => recognizer.stopContinuousRecognitionAsync(resolve, resolve));
  recognizer.close();
  console.log(JSON.stringify({ phrases: phrases.length, text: phrases.join(' ') }));
} else if (task === 'tts') {
  const config = sdk.SpeechConfig.fromEndpoint(new URL(`${endpoint}/cognitiveservices/websocket/v1`), ready.key);
  config.speechSynthesisOutputFormat = sdk.SpeechSynthesisOutputFormat.Raw16Khz16BitMonoPcm;
  const stream = sdk.PushAudioOutputStream.create({
    write: (buffer) => writeSync(1, new Uint8Array(buffer)),
    close: () => {},
  });
  const synthesizer = new sdk.SpeechSynthesizer(config, sdk.AudioConfig.fromStreamOutput(stream));
  const result = await new Promise((resolve, reject) => synthesizer.speakTextAsync(arg, resolve, reject));
  synthesizer.close();
  if (result.reason !== sdk.ResultReason.SynthesizingAudioCompleted) throw new Error(result.errorDetails);
} else {
  throw new Error(`unknown task ${task}`);
}
process.exit(0);
