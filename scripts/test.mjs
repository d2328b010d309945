#!/usr/bin/env node
// The whole check, the same for people and CI: format, lint, typecheck, unit tests (Node +
// Dawn), build, end-to-end tests (Playwright + Chromium). Every step runs even after a
// failure so the last line counts everything: `N passed, N failed`.
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readFileSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

// Without these every GPU test and every e2e test would fail on its own; say it once.
const missing = [];
if (!existsSync('/usr/bin/chromium')) missing.push('chromium');
if (process.platform === 'linux' && !existsSync('/usr/lib/x86_64-linux-gnu/libvulkan.so.1')) {
  missing.push('libvulkan1');
}
if (missing.length && !process.env.GPT2_USE_SYSTEM_VULKAN) {
  console.log(
    `npm test needs Debian's chromium (the e2e browser and SwiftShader, WebGPU without a GPU) ` +
      `and libvulkan1; missing: ${missing.join(', ')}. Install: sudo apt-get install ${missing.join(' ')}`,
  );
  console.log('0 passed, 1 failed');
  process.exit(1);
}

// Checkouts on one machine share its cores: a GPU emulated on the CPU (SwiftShader) and
// browser tests with timeouts are slowed past their limits when several full checks run at
// once, so checks take turns through one lock (flock, where the machine has it).
const lockFile = '/tmp/gpt2-webgpu-playground-test.lock';
if (!process.env.GPT2_TEST_LOCKED && existsSync('/usr/bin/flock')) {
  console.log(`Waiting for other checks on this machine to finish (${lockFile})...`);
  const r = spawnSync('/usr/bin/flock', [lockFile, process.execPath, ...process.argv.slice(1)], {
    stdio: 'inherit',
    env: { ...process.env, GPT2_TEST_LOCKED: '1' },
  });
  process.exit(r.status ?? 1);
}

// The Vulkan loader in Dawn and in Chromium prints "XDG_RUNTIME_DIR is invalid" without a
// usable one; give our processes a private directory so real errors stand out.
function privateRuntimeDir() {
  const own = (d) => {
    try {
      const s = statSync(d);
      return s.isDirectory() && s.uid === process.getuid?.() && (s.mode & 0o077) === 0;
    } catch {
      return false;
    }
  };
  if (own(process.env.XDG_RUNTIME_DIR)) return process.env.XDG_RUNTIME_DIR;
  const dir = join(tmpdir(), `gpt2-webgpu-runtime-${process.getuid?.() ?? 0}`);
  mkdirSync(dir, { mode: 0o700, recursive: true });
  return own(dir) ? dir : process.env.XDG_RUNTIME_DIR;
}
if (process.platform !== 'win32') process.env.XDG_RUNTIME_DIR = privateRuntimeDir();

const only = process.argv.slice(2);
mkdirSync('test-results', { recursive: true });
let passed = 0;
let failed = 0;
const failures = [];

function run(name, cmd, args, env = {}) {
  console.log(`\n=== ${name}: ${cmd} ${args.join(' ')}`);
  const r = spawnSync(cmd, args, { stdio: 'inherit', env: { ...process.env, ...env } });
  return r.status === 0;
}

function check(name, cmd, args) {
  if (only.length && !only.includes(name)) return;
  if (run(name, cmd, args)) passed++;
  else {
    failed++;
    failures.push(name);
  }
}

function suite(name, cmd, args, resultFile, count, env) {
  if (only.length && !only.includes(name)) return;
  rmSync(resultFile, { force: true });
  const ok = run(name, cmd, args, env);
  let counted = null;
  if (existsSync(resultFile)) {
    try {
      counted = count(JSON.parse(readFileSync(resultFile, 'utf8')));
    } catch (e) {
      console.log(`${name}: could not read ${resultFile}: ${e.message}`);
    }
  }
  if (!counted) {
    failed++;
    failures.push(`${name} (no results)`);
    return;
  }
  passed += counted.passed;
  failed += counted.failed;
  if (counted.failed || !ok) failures.push(name);
  if (!ok && counted.failed === 0) {
    failed++;
  }
}

check('format', 'npx', ['prettier', '--check', '.']);
check('lint', 'npx', ['eslint', '.']);
check('typecheck', 'npx', ['tsc', '--noEmit']);
suite(
  'unit',
  'npx',
  [
    'vitest',
    'run',
    '--reporter=default',
    '--reporter=json',
    '--outputFile.json=test-results/vitest.json',
  ],
  'test-results/vitest.json',
  (j) => ({
    passed: j.numPassedTests,
    // A pending (skipped) test counts as failed: in CI a WebGPU adapter always exists.
    failed: j.numFailedTests + j.numPendingTests + j.numTodoTests,
  }),
);
check('build', 'npx', ['vite', 'build']);
check('build-stand-in', 'npx', ['vite', 'build', '--config', 'tests/e2e/stand-in/vite.config.ts']);
/** An e2e project (playwright.config.ts) as a suite of its own, counted from its JSON report. */
function e2e(name, project, workers) {
  const report = `test-results/playwright-${project}.json`;
  suite(
    name,
    'npx',
    ['playwright', 'test', `--project=${project}`, `--workers=${workers}`, '--reporter=list,json'],
    report,
    (j) => ({
      passed: j.stats.expected + j.stats.flaky,
      failed: j.stats.unexpected + j.stats.skipped,
    }),
    { PLAYWRIGHT_JSON_OUTPUT_FILE: report },
  );
}
// Two workers keep both cores busy while each browser's GPU process compiles shaders (11.0
// -> 6.8-7.8 min here); the test that times the page's tasks runs after, alone.
e2e('e2e', 'app', 2);
e2e('e2e-timing', 'timing', 1);

if (failures.length) console.log(`\nFailed: ${failures.join(', ')}`);
console.log(`${passed} passed, ${failed} failed`);
process.exit(failed ? 1 : 0);
