// Runs tests/scenarios/scenarios.json with the installed `azspeech` npm package.
//
// Usage (from an npm project that has azspeech installed): node run_scenarios.mjs SCENARIOS.json READY_DIR WORK_DIR
// READY_DIR holds one `azspeech emulator --ready-file` JSON per emulator of the table (NAME.json).
// Prints one line per scenario and `node: N passed, M failed`; exits 1 if any failed.
import { existsSync, readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { fromEnv, SpeechError } from 'azspeech';

const [tablePath, readyDir, work] = process.argv.slice(2);
const table = JSON.parse(readFileSync(tablePath, 'utf8'));
const words = (text) => text.split(/\s+/).map((w) => w.toLowerCase().replace(/[^0-9a-z]/g, '')).filter(Boolean);
// The table's snake_case explain() keys, as the Node package spells them.
const camel = (key) => key.replace(/_([a-z])/g, (_, c) => c.toUpperCase());

function assert(condition, message) {
  if (!condition) throw new Error(message);
}

function environment(scenario, ready) {
  const env = Object.fromEntries(Object.entries(ready.env).filter(([k]) => !(scenario.unset ?? []).includes(k)));
  Object.assign(env, scenario.env ?? {});
  if (scenario.credential === 'managed-identity') Object.assign(env, { IDENTITY_ENDPOINT: ready.msi_endpoint, IDENTITY_HEADER: ready.identity_header });
  return env;
}

async function credential(scenario, env) {
  if (scenario.credential !== 'managed-identity') return undefined;
  // @azure/identity reads IDENTITY_ENDPOINT / IDENTITY_HEADER from the process environment.
  process.env.IDENTITY_ENDPOINT = env.IDENTITY_ENDPOINT;
  process.env.IDENTITY_HEADER = env.IDENTITY_HEADER;
  const { ManagedIdentityCredential } = await import('@azure/identity');
  return new ManagedIdentityCredential();
}

async function runStep(speech, step) {
  if (step.tts !== undefined) {
    const target = join(work, step.file);
    const summary = await speech.synthesizeToFile(step.tts, target);
    assert(existsSync(target), `${target} was not written`);
    assert(summary.audioBytes >= (step.expect_audio_bytes_at_least ?? 1), JSON.stringify(summary));
    return;
  }
  const transcript = await speech.recognizeFile(join(work, step.stt), { mode: step.mode ?? 'conversation' });
  assert(words(transcript.text).join(' ') === words(step.expect_text).join(' '), `heard ${JSON.stringify(transcript.text)}`);
  if (step.expect_reconnects_at_least !== undefined) {
    assert(transcript.summary.reconnects >= step.expect_reconnects_at_least, `only ${transcript.summary.reconnects} reconnects`);
  }
}

async function runScenario(scenario, ready) {
  const env = environment(scenario, ready);
  const speech = fromEnv({ credential: await credential(scenario, env), env });
  const explained = speech.explain();
  for (const [key, value] of Object.entries(scenario.expect_explain ?? {})) {
    assert(explained[camel(key)] === value, `explain().${camel(key)} is ${JSON.stringify(explained[camel(key)])}, expected ${JSON.stringify(value)}`);
  }
  for (const step of scenario.steps) {
    const expected = step.expect_error;
    if (!expected) {
      await runStep(speech, step);
      continue;
    }
    let caught;
    try {
      await runStep(speech, step);
    } catch (error) {
      if (!(error instanceof SpeechError)) throw error;
      caught = error;
    }
    assert(caught, `expected a ${expected.kind} error`);
    assert(caught.kind === expected.kind, `${caught.kind} error: ${caught.message}`);
    assert(caught.fix.includes(expected.fix_contains), `fix ${JSON.stringify(caught.fix)}`);
    assert(!existsSync(join(work, step.file)), 'an output file was left after the failure');
    for (const secret of [env.SPEECH_KEY, env.SPEECH_KEY_SECONDARY]) assert(!secret || !caught.message.includes(secret), 'the error text holds a key');
  }
}

console.log(`azspeech from ${createRequire(import.meta.url).resolve('azspeech')}`);
let passed = 0;
let failed = 0;
for (const scenario of table.scenarios) {
  const ready = JSON.parse(readFileSync(join(readyDir, `${scenario.emulator}.json`), 'utf8'));
  const saved = { ...process.env };
  try {
    await runScenario(scenario, ready);
    passed += 1;
    console.log(`ok   ${scenario.name}`);
  } catch (error) {
    failed += 1;
    console.log(`FAIL ${scenario.name}\n${error.stack}`);
  } finally {
    for (const key of Object.keys(process.env)) if (!(key in saved)) delete process.env[key];
    Object.assign(process.env, saved);
  }
}
console.log(`node: ${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
