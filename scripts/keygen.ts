// npm run keygen: prints a new token signing key, ready for CARRIER_VERIFY_TOKEN_KEYS, and a hash secret.
import { generateTokenKey } from '../server/tokens.js';

const kid = process.argv[2] ?? new Date().toISOString().slice(0, 10);
const key = await generateTokenKey(kid);
const hashSecret = Array.from(crypto.getRandomValues(new Uint8Array(32)), (b) => b.toString(16).padStart(2, '0')).join('');
process.stdout.write(`CARRIER_VERIFY_TOKEN_KEYS='${JSON.stringify([key])}'\nCARRIER_VERIFY_HASH_SECRET=${hashSecret}\n`);
process.stderr.write('Keep both secret. To rotate, put the new key first and keep the old one for 5 minutes.\n');
