// One measured task in Node, run in its own process by scripts/bench_bindings/run.py (from an
// npm project with azspeech and microsoft-cognitiveservices-speech-sdk installed).
//
// node task.mjs {azspeech|sdk} {import|tts|stt} READY.json [TEXT|WAV] [OUT]
// Prints one JSON line of task-specific results (what was produced or heard).
import { readFileSync } from 'node:fs';

const [pkg, task, readyPath, input, out] = process.argv.slice(2);
const ready = JSON.parse(readFileSync(readyPath, 'utf8'));

if (pkg === 'azspeech') {
  const { fromEnv } = await import('azspeech');
  const speech = fromEnv({ env: ready.env });
  if (task === 'tts') console.log(JSON.stringify({ audio_bytes: (await speech.synthesizeToFile(input, out)).audioBytes }));
  if (task === 'stt') console.log(JSON.stringify({ phrases: (await speech.recognizeFile(input)).phrases.length }));
} else {
  const sdk = (await import('microsoft-cognitiveservices-speech-sdk')).default;
  const endpoint = ready.endpoint.replace('http://', 'ws://');
  if (task === 'tts') {
    const config = sdk.SpeechConfig.fromEndpoint(new URL(`${endpoint}/cognitiveservices/websocket/v1`), ready.key);
    config.speechSynthesisOutputFormat = sdk.SpeechSynthesisOutputFormat.Riff16Khz16BitMonoPcm;
    const synthesizer = new sdk.SpeechSynthesizer(config, sdk.AudioConfig.fromAudioFileOutput(out));
    const result = await new Promise((resolve, reject) => synthesizer.speakTextAsync(input, resolve, reject));
    synthesizer.close();
    if (result.reason !== sdk.ResultReason.SynthesizingAudioCompleted) throw new Error(result.errorDetails);
    console.log(JSON.stringify({ audio_bytes: result.audioData.byteLength }));
  }
  if (task === 'stt') {
    const config = sdk.SpeechConfig.fromEndpoint(new URL(`${endpoint}/speech/recognition/conversation/cognitiveservices/v1`), ready.key);
    const recognizer = new sdk.SpeechRecognizer(config, sdk.AudioConfig.fromWavFileInput(readFileSync(input)));
    const phrases = [];
    await new Promise((resolve, reject) => {
      recognizer.recognized = (_s, e) => e.result.reason === sdk.ResultReason.RecognizedSpeech && phrases.push(e.result.text);
      recognizer.sessionStopped = () => resolve();
      recognizer.canceled = (_s, e) => (e.reason === sdk.CancellationReason.Error ? reject(new Error(e.errorDetails)) : resolve());
      recognizer.startContinuousRecognitionAsync(undefined, reject);
    });
    await new Promise((resolve) => recognizer.stopContinuousRecognitionAsync(resolve, resolve));
    recognizer.close();
    console.log(JSON.stringify({ phrases: phrases.length }));
  }
}
process.exit(0);
