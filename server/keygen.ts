// New production secrets: a token signing key for CARRIER_VERIFY_TOKEN_KEYS and a hash secret, as shell lines.
import { randomSecret } from './privacy.js';
import { generateTokenKey } from './tokens.js';

/**
 * A key id keygen will write: it goes into a shell line inside single quotes, and into the configuration, which
 * takes at most 64 characters. A word character first, so that an option (`--help`) is never taken for one.
 */
const KEY_ID = /^\w[\w.:-]{0,63}$/;

/**
 * What `carrier-verify keygen [kid]` prints: two lines to put in the environment. `kid` defaults to today's date;
 * one that could not be written so (a quote, a space, an option, too long) is a RangeError.
 */
export async function keygenLines(kid = new Date().toISOString().slice(0, 10)): Promise<string> {
  if (typeof kid !== 'string' || !KEY_ID.test(kid)) throw new RangeError(`a key id is a letter, digit or _, then up to 63 of those or . : - (not ${JSON.stringify(kid)})`);
  const key = await generateTokenKey(kid);
  return `CARRIER_VERIFY_TOKEN_KEYS='${JSON.stringify([key])}'\nCARRIER_VERIFY_HASH_SECRET=${randomSecret()}\n`;
}

/**
 * Prints the lines on stdout, and the advice beside them on stderr, so that the lines alone can go to an env file;
 * for a key id it cannot write, one line on stderr and exit code 2, and nothing on stdout.
 */
export async function printKeygen(kid?: string): Promise<void> {
  let lines: string;
  try {
    lines = await keygenLines(kid);
  } catch (error) {
    if (!(error instanceof RangeError)) throw error;
    process.stderr.write(`carrier-verify: ${error.message}\n`);
    process.exitCode = 2;
    return;
  }
  process.stdout.write(lines);
  process.stderr.write('Keep both secret. To rotate (docs/configuration.md, Key rotation): add the new key second; once every instance has it, and 300 s more, put it first; drop the old key 7 minutes after that.\n');
}
