// The access log of a Node process: one JSON line a request on stdout.
import type { LogLine } from './config.js';

/** The flush of each log made, run when the process exits: one listener however many logs there are. */
const flushes = new Set<() => void>();

/** Set once stdout has failed (its reader gone: EPIPE): the lines are dropped from then on, and the proxy serves on. */
let failed = false;

/**
 * A stdout that fails (the pipe to a log shipper, `tee` or `head` closed) emits an error that, unheard, would end
 * the process, and with it the requests under way, paid upstream calls included. Heard here: said once on stderr.
 */
function onStdoutError(error: NodeJS.ErrnoException): void {
  if (failed) return;
  failed = true;
  // stderr may be the same closed pipe: its own failure is not worth the process either.
  process.stderr.on('error', () => undefined);
  process.stderr.write(`carrier-verify: the access log cannot be written to stdout (${error.code ?? error.message}): its lines are dropped from now on; the proxy serves on\n`);
}

/**
 * One JSON line a request on stdout. Lines written in the same turn of the event loop go out in one write:
 * under load that is one system call for many requests instead of one each.
 */
export function stdoutLog(): (line: LogLine) => void {
  let pending = '';
  const flush = () => {
    const chunk = pending;
    pending = '';
    if (chunk && !failed) process.stdout.write(chunk);
  };
  if (flushes.size === 0) {
    process.once('exit', () => flushes.forEach((each) => each()));
    process.stdout.on('error', onStdoutError);
  }
  flushes.add(flush);
  return (line) => {
    if (failed) return;
    if (!pending) setImmediate(flush);
    pending += `${JSON.stringify(line)}\n`;
  };
}
