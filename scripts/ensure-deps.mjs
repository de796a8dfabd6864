// Finds Chromium, redis-server and CJK fonts, installing Debian's packages when missing and running as root on Debian.
import { execFileSync, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';

const isRoot = typeof process.getuid === 'function' && process.getuid() === 0;
const isDebian = existsSync('/etc/debian_version');
let aptUpdated = false;

function apt(packages) {
  if (!aptUpdated) {
    execFileSync('apt-get', ['update', '-qq'], { stdio: 'inherit' });
    aptUpdated = true;
  }
  execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', ...packages], {
    stdio: 'inherit',
    env: { ...process.env, DEBIAN_FRONTEND: 'noninteractive' },
  });
}

function which(command) {
  const found = spawnSync('sh', ['-c', `command -v ${command}`], { encoding: 'utf8' });
  return found.status === 0 ? found.stdout.trim() : null;
}

const firstExisting = (candidates) => () => candidates().find((path) => path && existsSync(path)) ?? null;

/** A dependency: found, else installed from Debian (as root on Debian), else a one-line failure. */
function ensure({ what, find, packages, hint }) {
  const found = find();
  if (found) return found;
  if (isRoot && isDebian) {
    console.log(`${what} not found: installing Debian's ${packages.join(', ')}`);
    apt(packages);
    const installed = find();
    if (installed) return installed;
  }
  throw new Error(`${what} is missing: ${hint}`);
}

export function ensureChromium() {
  const chosen = process.env.CHROME_PATH;
  if (chosen && !existsSync(chosen)) throw new Error(`CHROME_PATH is ${chosen}, and there is nothing there: point it at a Chrome or Chromium binary, or unset it`);
  return ensure({
    what: 'Chromium',
    find: firstExisting(() => [process.env.CHROME_PATH, '/usr/bin/chromium', which('chromium'), which('chromium-browser'), which('google-chrome')]),
    packages: ['chromium'],
    hint: 'install Chromium (Debian: apt-get install chromium) or set CHROME_PATH to a Chrome or Chromium binary',
  });
}

export function ensureRedis() {
  return ensure({
    what: 'redis-server',
    find: firstExisting(() => [process.env.REDIS_SERVER_PATH, '/usr/bin/redis-server', which('redis-server')]),
    packages: ['redis-server'],
    hint: 'install Redis (Debian: apt-get install redis-server) or set REDIS_SERVER_PATH',
  });
}

/** CJK glyphs for screenshots of the zh languages; returns the font families found. */
export function ensureCjkFonts() {
  return ensure({
    what: 'a CJK font',
    find: () => spawnSync('fc-list', [':lang=zh', 'family'], { encoding: 'utf8' }).stdout?.trim() || null,
    packages: ['fonts-noto-cjk'],
    hint: 'install one (Debian: apt-get install fonts-noto-cjk), or the zh screenshots show boxes',
  });
}
