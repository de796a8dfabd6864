#!/usr/bin/env node
// `npx carrier-verify`: the proxy as a program, configured by the environment (see docs/configuration.md).
// `npx carrier-verify keygen [kid]` prints the production secrets instead: a token signing key and a hash secret.
import { printKeygen } from './keygen.js';
import { main } from './node.js';

/** What `--help` prints, and what a mistyped command is shown. */
const USAGE = `Usage:
  carrier-verify               run the proxy, configured by the environment (PORT, HOST, CARRIER_VERIFY_*, REDIS_URL)
  carrier-verify keygen [kid]  print a token signing key and a hash secret for production
  carrier-verify --help        print this
`;

/**
 * Runs the command `args` names. Anything but the proxy, `keygen` or help is refused with the usage and exit code
 * 2: a mistyped command (`--port 9000`, `keygen` misspelt) must not start a proxy on the default port instead, nor
 * an option after keygen (`keygen --help`) be taken for a key id and print secrets.
 */
async function run(args: readonly string[]): Promise<void> {
  const [command, ...rest] = args;
  if (command === undefined) {
    await main();
  } else if (command === 'keygen' && rest.length <= 1 && !rest[0]?.startsWith('-')) {
    // The key id is checked there, for `npm run keygen` too.
    await printKeygen(rest[0]);
  } else if (command === '--help' || command === '-h' || command === 'help') {
    process.stdout.write(USAGE);
  } else {
    // The proxy takes no options: its settings are the environment's, PORT among them.
    const option = /^--?([a-z-]+)/i.exec(command)?.[1]?.toLowerCase();
    const variable = option && new Map([['port', 'PORT'], ['host', 'HOST'], ['redis', 'REDIS_URL'], ['redis-url', 'REDIS_URL']]).get(option);
    const hint = variable ? `set ${variable} in the environment instead (${variable}=… npx carrier-verify)\n` : '';
    process.stderr.write(`carrier-verify: unknown command ${JSON.stringify(args.join(' '))}\n${hint}${USAGE}`);
    process.exitCode = 2;
  }
}

await run(process.argv.slice(2));
