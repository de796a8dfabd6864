// npm test: the Node suites (vitest) and the browser suites (web-test-runner in Chromium), then one closing count.
import { spawnSync } from 'node:child_process';
import { mkdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { ensureChromium, ensureRedis } from './ensure-deps.mjs';

const root = new URL('..', import.meta.url).pathname;
const work = join(root, '.cache', 'test');
rmSync(work, { recursive: true, force: true });
mkdirSync(work, { recursive: true });

let chrome;
let redis;
try {
  chrome = ensureChromium();
  redis = ensureRedis();
} catch (error) {
  console.error(`npm test: ${error.message}`);
  process.exit(1);
}

const env = { ...process.env, CHROME_PATH: chrome, REDIS_SERVER_PATH: redis, FORCE_COLOR: process.env.CI ? '0' : '1' };
const bin = (name) => join(root, 'node_modules', '.bin', name);
const run = (command, args, extraEnv = {}) => spawnSync(command, args, { cwd: root, stdio: 'inherit', env: { ...env, ...extraEnv } }).status ?? 1;

const totals = { passed: 0, failed: 0, skipped: 0 };
function add(file, runnerStatus, label) {
  let counts;
  try {
    counts = JSON.parse(readFileSync(file, 'utf8'));
  } catch {
    counts = null;
  }
  if (!counts) {
    console.error(`npm test: ${label} wrote no results`);
    totals.failed += 1;
    return;
  }
  totals.passed += counts.passed;
  totals.failed += counts.failed;
  totals.skipped += counts.skipped;
  if (runnerStatus !== 0 && counts.failed === 0) {
    console.error(`npm test: ${label} exited ${runnerStatus} without a failed test`);
    totals.failed += 1;
  }
  // Each runner must have run something: suites that all went missing would otherwise pass as 0 failed.
  if (counts.passed === 0) {
    console.error(`npm test: ${label} passed no test`);
    totals.failed += 1;
  }
}

// Node suites
const vitestJson = join(work, 'vitest.json');
const vitestCounts = join(work, 'vitest-counts.json');
const vitestStatus = run(bin('vitest'), ['run', '--reporter=default', '--reporter=json', `--outputFile.json=${vitestJson}`]);
try {
  const report = JSON.parse(readFileSync(vitestJson, 'utf8'));
  // A suite that fails to load has no failed test: count each such suite once.
  const brokenSuites = report.testResults.filter((suite) => suite.status === 'failed' && suite.assertionResults.every((t) => t.status !== 'failed')).length;
  const counts = { passed: report.numPassedTests, failed: report.numFailedTests + brokenSuites, skipped: report.numPendingTests + report.numTodoTests };
  writeFileSync(vitestCounts, JSON.stringify(counts));
} catch {
  // add() reports the missing counts
}
add(vitestCounts, vitestStatus, 'vitest');

// Browser suites
const wtrJson = join(work, 'wtr.json');
const wtrStatus = run(process.execPath, ['--import', 'tsx', join(root, 'node_modules/@web/test-runner/dist/bin.js'), '--config', 'web-test-runner.config.mjs'], { WTR_RESULTS: wtrJson });
add(wtrJson, wtrStatus, 'web-test-runner');

const skipped = totals.skipped ? `, ${totals.skipped} skipped` : '';
console.log(`\n${totals.passed} passed, ${totals.failed} failed${skipped}`);
process.exit(totals.failed === 0 && totals.passed > 0 ? 0 : 1);
