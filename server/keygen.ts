// New production secrets: a token signing key for CARRIER_VERIFY_TOKEN_KEYS and a hash secret, as shell lines.
import { randomSecret } from './privacy.js';
import { generateTokenKey } from './tokens.js';

/** What `carrier-verify keygen [kid]` prints: two lines to put in the environment. `kid` defaults to today's date. */
export async function keygenLines(kid = new Date().toISOString().slice(0, 10)): Promise<string> {
  const key = await generateTokenKey(kid);
  return `CARRIER_VERIFY_TOKEN_KEYS='${JSON.stringify([key])}'\nCARRIER_VERIFY_HASH_SECRET=${randomSecret()}\n`;
}

/** Prints the lines on stdout, and the advice beside them on stderr, so that the lines alone can go to an env file. */
export async function printKeygen(kid?: string): Promise<void> {
  process.stdout.write(await keygenLines(kid));
  process.stderr.write('Keep both secret. To rotate, put the new key first and keep the old one for 5 minutes.\n');
}
