// The headless Chromium the page suites drive: npm test has found or installed it and says where in CHROME_PATH.
import { chromium, type Browser } from 'playwright-core';

/**
 * `backForwardCache`: keep the browser's back/forward cache, which Playwright turns off by default.
 * `hosts`: names the browser resolves to 127.0.0.1, to open a page served on loopback at another origin.
 */
export function launchChromium({ backForwardCache = false, hosts = [] as readonly string[] } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    ...(backForwardCache ? { ignoreDefaultArgs: ['--disable-back-forward-cache'] } : {}),
    // Root needs --no-sandbox; the others keep a container's small /dev/shm and missing GPU from mattering.
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-dev-shm-usage',
      ...(hosts.length ? [`--host-resolver-rules=${hosts.map((host) => `MAP ${host} 127.0.0.1`).join(', ')}`] : []),
    ],
  });
}
