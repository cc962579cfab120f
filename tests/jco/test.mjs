// The azspeech core, transpiled by jco, called from Node: the contract must stay usable
// outside wasmtime. Run by tests/jco/run.sh.
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFile } from 'node:fs/promises';
import { instantiate } from './out/js/azspeech-core.js';

const logged = [];
const diagnostics = { log: (level, message) => logged.push([level, message]) };

async function loadCore() {
  const getCoreModule = async (path) => WebAssembly.compile(await readFile(new URL(`./out/js/${path}`, import.meta.url)));
  // jco looks imports up by the unversioned interface name; give both spellings.
  return instantiate(getCoreModule, {
    'azspeech:core/diagnostics': diagnostics,
    'azspeech:core/diagnostics@0.1.0': diagnostics,
  });
}

test('config.secretNames lists the key variables', async () => {
  const core = await loadCore();
  const names = core.config.secretNames();
  assert.ok(names.includes('SPEECH_KEY'), names.join(','));
  assert.ok(names.includes('SPEECH_KEY_SECONDARY'), names.join(','));
});

test('config.resolve answers with settings or a config error, never a throw of another kind', async () => {
  const core = await loadCore();
  const settings = [
    { name: 'SPEECH_KEY', value: { tag: 'secret', val: true }, source: 'environment' },
    { name: 'SPEECH_REGION', value: { tag: 'text', val: 'westeurope' }, source: 'environment' },
    { name: 'SPEECH_REGION', value: { tag: 'text', val: 'northeurope' }, source: 'profile' },
    { name: 'SPEECH_LANGUAGE', value: { tag: 'text', val: 'de-DE' }, source: 'profile' },
  ];
  try {
    const resolved = core.config.resolve(settings);
    assert.equal(resolved.auth, 'key');
    assert.equal(resolved.region, 'westeurope', 'the environment beats a profile');
    assert.equal(resolved.language, 'de-DE');
    assert.deepEqual(resolved.origins, [
      ['SPEECH_KEY', 'environment'],
      ['SPEECH_LANGUAGE', 'profile'],
      ['SPEECH_REGION', 'environment'],
    ]);
  } catch (error) {
    // jco throws a ComponentError whose payload is the WIT error value.
    assert.equal(error.payload?.code, 'not-implemented', String(error));
  }
});
