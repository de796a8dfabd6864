// The access log of a Node process: one JSON line a request on stdout.
import type { LogLine } from './config.js';

/** The flush of each log made, run when the process exits: one listener however many logs there are. */
const flushes = new Set<() => void>();

/**
 * One JSON line a request on stdout. Lines written in the same turn of the event loop go out in one write:
 * under load that is one system call for many requests instead of one each.
 */
export function stdoutLog(): (line: LogLine) => void {
  let pending = '';
  const flush = () => {
    const chunk = pending;
    pending = '';
    if (chunk) process.stdout.write(chunk);
  };
  if (flushes.size === 0) process.once('exit', () => flushes.forEach((each) => each()));
  flushes.add(flush);
  return (line) => {
    if (!pending) setImmediate(flush);
    pending += `${JSON.stringify(line)}\n`;
  };
}
