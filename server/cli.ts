#!/usr/bin/env node
// `npx carrier-verify`: the proxy as a program, configured by the environment (see the README's Configuration).
// `npx carrier-verify keygen [kid]` prints the production secrets instead: a token signing key and a hash secret.
import { printKeygen } from './keygen.js';
import { main } from './node.js';

if (process.argv[2] === 'keygen') await printKeygen(process.argv[3]);
else await main();
