// npm run keygen [kid]: prints a new token signing key, ready for CARRIER_VERIFY_TOKEN_KEYS, and a hash secret.
import { KEYGEN_ADVICE, keygenLines } from '../server/keygen.js';

process.stdout.write(await keygenLines(process.argv[2]));
process.stderr.write(KEYGEN_ADVICE);
