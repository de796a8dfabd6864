#!/usr/bin/env node
// `npx carrier-verify`: the proxy as a program, configured by the environment (see docs/configuration.md).
// `npx carrier-verify keygen [kid]` prints the production secrets instead: a token signing key and a hash secret.
// The commands are read in node.ts, so that `node dist/server/node.js` takes the same ones.
import { runCommand } from './node.js';

await runCommand(process.argv.slice(2));
