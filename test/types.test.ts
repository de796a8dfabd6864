// The repository type-checks as a whole: the demo pages, the tests and the scripts, which no build compiles with the
// package's own settings, as well as the widget and the server.
import { spawnSync } from 'node:child_process';
import { join } from 'node:path';
import { expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');

it('type-checks the whole repository (tsc --noEmit) without an error', { timeout: 120_000 }, () => {
  const run = spawnSync(process.execPath, [join(root, 'node_modules', 'typescript', 'bin', 'tsc'), '--noEmit', '-p', root], { cwd: root, encoding: 'utf8' });
  // Each error is a line `file(line,col): error TS…`: shown whole when the check fails.
  const errors = `${run.stdout}${run.stderr}`.split('\n').filter((line) => line.includes('error TS'));
  expect(errors).toEqual([]);
  expect(run.status).toBe(0);
});
