#!/usr/bin/env node
// `npx carrier-verify`: the proxy as a program, configured by the environment (see the README's Configuration).
import { main } from './node.js';

await main();
