// The headless Chromium the page suites drive: npm test has found or installed it and says where in CHROME_PATH.
import { chromium, type Browser } from 'playwright-core';

/** `backForwardCache`: keep the browser's back/forward cache, which Playwright turns off by default. */
export function launchChromium({ backForwardCache = false } = {}): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    ...(backForwardCache ? { ignoreDefaultArgs: ['--disable-back-forward-cache'] } : {}),
    // Root needs --no-sandbox; the others keep a container's small /dev/shm and missing GPU from mattering.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
