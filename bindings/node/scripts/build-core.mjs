// `prepare`: transpile the azspeech core component with jco into core/ (shipped in the package).
//
// The wasm comes from AZSPEECH_CORE_WASM, or from the checkout's azspeech binary
// (`azspeech component --wasm ...`; AZSPEECH_BIN, $CARGO_TARGET_DIR or target/, debug or
// release), so `npm install ./bindings/node` works after `cargo build`. jco is this package's
// devDependency (or tests/jco's). A linked install (`npm install <folder>`) does not install the
// folder's own dependencies, so they are installed here too. Without a wasm the build fails and
// says what to run.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createHash } from 'node:crypto';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

const pkg = dirname(dirname(fileURLToPath(import.meta.url)));
const repo = join(pkg, '..', '..');
const out = join(pkg, 'core');

function fail(message) {
  console.error(`azspeech: ${message}`);
  process.exit(1);
}

function binaries() {
  const found = [];
  if (process.env.AZSPEECH_BIN) found.push(process.env.AZSPEECH_BIN);
  for (const target of [process.env.CARGO_TARGET_DIR, join(repo, 'target')].filter(Boolean)) {
    for (const profile of ['debug', 'release']) found.push(join(target, profile, 'azspeech'));
  }
  return found;
}

function coreWasm() {
  if (process.env.AZSPEECH_CORE_WASM) return readFileSync(process.env.AZSPEECH_CORE_WASM);
  const binary = binaries().find((path) => existsSync(path));
  if (binary) {
    mkdirSync(out, { recursive: true });
    const path = join(out, 'azspeech-core.component.wasm');
    execFileSync(binary, ['component', '--wasm', path], { stdio: ['ignore', 'ignore', 'inherit'] });
    const wasm = readFileSync(path);
    rmSync(path);
    return wasm;
  }
  if (existsSync(join(out, 'azspeech-core.js'))) return null; // a packed copy: already built
  fail(
    'the core component is missing and no azspeech binary was found to write it.\n' +
      '  fix: run `cargo build -p azspeech-host` in the repository first, or set ' +
      'AZSPEECH_CORE_WASM=/path/to/azspeech-core.wasm (from `azspeech component --wasm PATH`)',
  );
}

function jco() {
  const local = [join(pkg, 'node_modules', '.bin', 'jco'), join(repo, 'tests', 'jco', 'node_modules', '.bin', 'jco')];
  const found = local.find((path) => existsSync(path));
  if (found) return found;
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--loglevel=error'], { cwd: pkg, stdio: 'inherit' });
  return local[0];
}

if (!existsSync(join(pkg, 'node_modules', 'ws'))) {
  execFileSync('npm', ['install', '--no-audit', '--no-fund', '--ignore-scripts', '--omit=dev', '--loglevel=error'], {
    cwd: pkg,
    stdio: 'inherit',
  });
}
const wasm = coreWasm();
if (wasm) {
  const digest = createHash('sha256').update(wasm).digest('hex');
  const stamp = join(out, 'core.sha256');
  if (!existsSync(stamp) || readFileSync(stamp, 'utf8') !== digest || !existsSync(join(out, 'azspeech-core.js'))) {
    const input = join(pkg, 'azspeech-core.wasm.tmp');
    writeFileSync(input, wasm);
    try {
      execFileSync(
        jco(),
        ['transpile', input, '-o', out, '--instantiation', 'sync', '--name', 'azspeech-core', '--quiet'],
        { stdio: 'inherit' },
      );
    } finally {
      rmSync(input, { force: true });
    }
    writeFileSync(stamp, digest);
  }
}
