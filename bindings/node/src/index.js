// Azure AI Speech from Node, through the azspeech core component (WebAssembly, transpiled by jco).
//
//   import { fromEnv } from 'azspeech';
//   const speech = fromEnv();
//   await speech.synthesizeToFile('Hello.', 'hello.wav');
//   console.log((await speech.recognizeFile('hello.wav')).text);
//
// The core resolves the configuration, plans every request, frames and parses the protocol, and
// decides reconnects, replay and pacing; this package moves bytes (see sessions.js).
export { Speech, fromEnv } from './speech.js';
export * from './errors.js';
