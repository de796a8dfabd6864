// Serves the built demo, dashboard and script-tag bundle from dist/ on Node.
import { createHash } from 'node:crypto';
import { readFile, stat } from 'node:fs/promises';
import { extname, join, normalize, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import { brotliCompress, constants, gzip } from 'node:zlib';
import type { AssetFetcher } from './config.js';

const types: Record<string, string> = {
  '.html': 'text/html; charset=utf-8',
  '.js': 'text/javascript; charset=utf-8',
  '.css': 'text/css; charset=utf-8',
  '.json': 'application/json',
  '.svg': 'image/svg+xml',
  '.png': 'image/png',
  '.map': 'application/json',
};

/** Text worth compressing; a PNG is compressed already. */
const compressible = new Set(['.html', '.js', '.css', '.json', '.svg', '.map']);
/** Below this a compressed copy saves less than its headers cost. */
const MIN_COMPRESSED_BYTES = 1024;

const gzipAsync = promisify(gzip);
const brotliAsync = promisify(brotliCompress);

type Coding = 'br' | 'gzip';
/** A file's compressed copies, by coding: only those smaller than the file. */
type Copies = Partial<Record<Coding, Uint8Array<ArrayBuffer>>>;

/** One version of one file: its bytes, its strong ETag, and its compressed copies once they are made. */
interface Entry {
  readonly size: number;
  readonly mtimeMs: number;
  readonly body: Uint8Array<ArrayBuffer>;
  /** `"<sha-256 of the bytes>"`: the same bytes give the same tag, in every process and after every restart. */
  readonly etag: string;
  /** The copies smaller than the bytes, by coding; made once, off the main thread, as the file is first read. */
  encoded?: Promise<Copies>;
}

async function encode(body: Uint8Array<ArrayBuffer>): Promise<Copies> {
  const [br, gz] = await Promise.all([
    brotliAsync(body, { params: { [constants.BROTLI_PARAM_QUALITY]: 11, [constants.BROTLI_PARAM_SIZE_HINT]: body.byteLength } }),
    gzipAsync(body, { level: 9 }),
  ]);
  const copies: Copies = {};
  if (br.byteLength < body.byteLength) copies.br = br;
  if (gz.byteLength < body.byteLength) copies.gzip = gz;
  return copies;
}

/**
 * Reads files below `root`, a path or a `file:` URL (`new URL('./public', import.meta.url)`: a URL's `pathname`
 * would keep a space in the folder's path as `%20`, and find nothing); a path that climbs out of it, or a missing
 * file, is null. Each answer carries a strong ETag, the hash of the file's bytes. A file is read once and kept until
 * it changes on disk (its size or modification time), and a text file over 1 KB is compressed once, with gzip and
 * brotli, as it is first read. Asked with the request, it answers a matching `If-None-Match` with `304` and sends a
 * compressed copy to a client that accepts one (`represent`).
 *
 * No `Last-Modified`: npm installs every file of a package with the same modification time, whatever its version,
 * which would tell a browser that the bundle of a new version is the one it has.
 */
export function fileAssets(root: string | URL): AssetFetcher {
  const base = resolve(typeof root === 'string' ? root : fileURLToPath(root)) + sep;
  const files = new Map<string, Entry>();
  /** Reads under way, by file: requests that come at once share one read, and one compression. */
  const reading = new Map<string, Promise<Entry | null>>();
  const forget = (file: string) => files.delete(file);
  const load = (file: string): Promise<Entry | null> => {
    let read = reading.get(file);
    if (!read) {
      read = loadOnce(file).finally(() => reading.delete(file));
      reading.set(file, read);
    }
    return read;
  };
  const loadOnce = async (file: string): Promise<Entry | null> => {
    const info = await stat(file).catch(() => null);
    if (!info?.isFile()) {
      forget(file);
      return null;
    }
    const known = files.get(file);
    if (known && known.size === info.size && known.mtimeMs === info.mtimeMs) return known;
    const body = await readFile(file);
    const entry: Entry = { size: info.size, mtimeMs: info.mtimeMs, body, etag: `"${createHash('sha256').update(body).digest('base64url')}"` };
    if (compressible.has(extname(file)) && body.byteLength >= MIN_COMPRESSED_BYTES) {
      entry.encoded = encode(body).catch(() => ({}));
    }
    forget(file);
    files.set(file, entry);
    return entry;
  };
  return async (path, request) => {
    const file = normalize(join(base, path));
    if (!file.startsWith(base)) return null;
    try {
      const entry = await load(file);
      if (!entry) return null;
      const immutable = /\/assets\//.test(path);
      const response = new Response(entry.body, {
        headers: {
          'content-type': types[extname(file)] ?? 'application/octet-stream',
          'cache-control': immutable ? 'public, max-age=31536000, immutable' : 'no-cache',
          etag: entry.etag,
        },
      });
      if (!request || (request.method !== 'GET' && request.method !== 'HEAD')) return response;
      // The copies are waited for only by a client that takes one: the others get the bytes at once.
      const takesCopy = entry.encoded !== undefined && preferredCoding(request.headers.get('accept-encoding'), ['br', 'gzip']) !== undefined;
      return represent(request, response, entry, takesCopy ? await entry.encoded! : {});
    } catch {
      return null;
    }
  };
}

/** The opaque tags of an `If-None-Match` (weak ones compared as strong, as the header's weak comparison wants). */
function tagsOf(header: string): string[] {
  return header.split(',').map((tag) => tag.trim().replace(/^W\//, ''));
}

/**
 * The coding of `available` that `Accept-Encoding` rates highest (`*` rates those it does not name; `q=0` refuses),
 * or none: the bytes as they are.
 */
function preferredCoding(header: string | null, available: readonly Coding[]): Coding | undefined {
  if (!header || available.length === 0) return undefined;
  const quality = new Map<string, number>();
  for (const part of header.split(',')) {
    const [name, ...params] = part.trim().toLowerCase().split(';');
    if (!name) continue;
    const q = params.map((param) => /^\s*q\s*=\s*([\d.]+)\s*$/.exec(param)?.[1]).find((value) => value !== undefined);
    quality.set(name.trim(), q === undefined ? 1 : Number(q));
  }
  let best: Coding | undefined;
  let bestQ = 0;
  // Brotli first: at equal quality, the smaller copy wins.
  for (const coding of available) {
    const q = quality.get(coding) ?? quality.get('*') ?? 0;
    if (q > bestQ) [best, bestQ] = [coding, q];
  }
  return best;
}

/**
 * The representation of one of fileAssets' files that `request` should get: a `304` when `If-None-Match` names it,
 * its brotli or gzip copy when `Accept-Encoding` takes one (with `Vary: Accept-Encoding` on every answer of a file
 * that has copies, and an ETag of its own for each copy, since a strong ETag names one exact sequence of bytes).
 */
function represent(request: Request, response: Response, entry: Entry, copies: Copies): Response {
  const available = (['br', 'gzip'] as const).filter((coding) => copies[coding]);
  const coding = preferredCoding(request.headers.get('accept-encoding'), available);
  const headers = new Headers(response.headers);
  // Every answer of a file that is compressed says so, the ones sent as they are included.
  if (entry.encoded) {
    const vary = headers.get('vary');
    if (!vary || !/(^|,)\s*(accept-encoding|\*)\s*(,|$)/i.test(vary)) headers.set('vary', vary ? `${vary}, Accept-Encoding` : 'Accept-Encoding');
  }
  const etag = coding ? `${entry.etag.slice(0, -1)}+${coding}"` : entry.etag;
  headers.set('etag', etag);
  const ifNoneMatch = request.headers.get('if-none-match');
  if (ifNoneMatch !== null && tagsOf(ifNoneMatch).some((tag) => tag === etag || tag === '*')) {
    for (const stale of ['content-length', 'content-type']) headers.delete(stale);
    return new Response(null, { status: 304, headers });
  }
  const body = coding ? copies[coding]! : entry.body;
  if (coding) headers.set('content-encoding', coding);
  // Set on every answer, a HEAD's too: it says what a GET would send.
  headers.set('content-length', String(body.byteLength));
  return new Response(request.method === 'HEAD' ? null : body, { status: 200, headers });
}
