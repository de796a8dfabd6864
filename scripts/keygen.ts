// npm run keygen [kid]: prints a new token signing key, ready for CARRIER_VERIFY_TOKEN_KEYS, and a hash secret.
import { printKeygen } from '../server/keygen.js';

await printKeygen(process.argv[2]);
