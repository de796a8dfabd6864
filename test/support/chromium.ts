// The headless Chromium the page suites drive: npm test has found or installed it and says where in CHROME_PATH.
import { chromium, type Browser } from 'playwright-core';

export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: process.env.CHROME_PATH || '/usr/bin/chromium',
    // Root needs --no-sandbox; the others keep a container's small /dev/shm and missing GPU from mattering.
    args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'],
  });
}
