// The azspeech core component, transpiled by jco (core/), loaded once per process; each session
// gets its own instance (a few milliseconds). jco maps WIT idiomatically: records are camelCase
// objects, variants `{tag, val}`, `u64` outputs `bigint`, a top-level `result` throws a
// ComponentError whose `payload` is the error.
import { readFileSync } from 'node:fs';
import { instantiate } from '../core/azspeech-core.js';
import { ConfigurationError } from './errors.js';

const modules = new Map();
function coreModule(path) {
  let module = modules.get(path);
  if (!module) {
    module = new WebAssembly.Module(readFileSync(new URL(`../core/${path}`, import.meta.url)));
    modules.set(path, module);
  }
  return module;
}

const LOG_LEVELS = { error: 'error', warn: 'warn', debug: 'debug' };
export const logger = { log: (level, message) => (level === 'debug' ? undefined : console[LOG_LEVELS[level] ?? 'log'](`azspeech core: ${message}`)) };
const diagnostics = { log: (level, message) => logger.log(level, message) };

/** A fresh instance of the core. */
export function instantiateCore() {
  // jco's ImportObject type names the versioned key; its code reads the unversioned one.
  return instantiate(coreModule, {
    'azspeech:core/diagnostics': diagnostics,
    'azspeech:core/diagnostics@0.1.0': diagnostics,
  });
}

/** A core output as plain JS for callers: bigints (offsets, byte counts) become numbers. */
export function plain(value) {
  if (typeof value === 'bigint') return Number(value);
  if (Array.isArray(value)) return value.map(plain);
  if (value instanceof Uint8Array || value === null || typeof value !== 'object') return value;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [k, plain(v)]));
}

/** Call a core function whose WIT result is `result<T, config-error>`. */
export function configCall(fn) {
  try {
    return fn();
  } catch (error) {
    if (error?.payload?.code !== undefined) throw ConfigurationError.fromConfigError(error.payload);
    throw error;
  }
}
