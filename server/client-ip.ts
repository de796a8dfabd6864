// The client's IP address for rate limits: the socket's, or a forwarded one only behind a proxy that is trusted.
import type { Context } from 'hono';

/** Reads the peer address of the connection (injected: on Node from the socket, elsewhere from the runtime). */
export type RemoteAddress = (c: Context) => string | undefined;

/**
 * Whom to believe about the client's address. `none`: the socket only, forwarding headers are ignored.
 * `hops`: that many proxies stand in front, each appending to X-Forwarded-For. `ranges`: proxies are the
 * peers whose address is in these ranges; the client is the first address, from the right, outside them.
 */
export type TrustProxy =
  | { readonly kind: 'none' }
  | { readonly kind: 'hops'; readonly hops: number }
  | { readonly kind: 'ranges'; readonly ranges: readonly IpRange[] };

export interface IpRange {
  readonly bytes: Uint8Array;
  readonly prefix: number;
}

/** An address that stands for every request whose peer is unknown (no socket getter): they share one budget. */
export const UNKNOWN_IP = 'unknown';

const NAMED_RANGES: Record<string, readonly string[]> = {
  loopback: ['127.0.0.0/8', '::1/128'],
  private: ['10.0.0.0/8', '172.16.0.0/12', '192.168.0.0/16', '100.64.0.0/10', 'fc00::/7'],
  linklocal: ['169.254.0.0/16', 'fe80::/10'],
};

function parseIpv4(text: string): Uint8Array | null {
  const parts = text.split('.');
  if (parts.length !== 4 || !parts.every((p) => /^\d{1,3}$/.test(p) && Number(p) <= 255)) return null;
  return Uint8Array.from(parts.map(Number));
}

function parseIpv6(text: string): Uint8Array | null {
  let head = text;
  const tail: number[] = [];
  const dotted = /(?:^|:)(\d{1,3}(?:\.\d{1,3}){3})$/.exec(head);
  if (dotted?.[1]) {
    const v4 = parseIpv4(dotted[1]);
    if (!v4) return null;
    tail.push((v4[0]! << 8) | v4[1]!, (v4[2]! << 8) | v4[3]!);
    head = head.slice(0, head.length - dotted[1].length);
    if (head.endsWith(':') && !head.endsWith('::')) head = head.slice(0, -1);
  }
  const halves = head.split('::');
  if (halves.length > 2) return null;
  const groups = (part: string | undefined) => (part ? part.split(':') : []);
  const left = groups(halves[0]);
  const right = groups(halves[1]);
  if (![...left, ...right].every((g) => /^[0-9a-f]{1,4}$/i.test(g))) return null;
  const missing = 8 - tail.length - left.length - right.length;
  if (halves.length === 1 ? missing !== 0 : missing < 1) return null;
  const words = [...left, ...Array<string>(halves.length === 1 ? 0 : missing).fill('0'), ...right].map((g) => parseInt(g, 16)).concat(tail);
  const bytes = new Uint8Array(16);
  words.forEach((word, i) => {
    bytes[i * 2] = word >> 8;
    bytes[i * 2 + 1] = word & 0xff;
  });
  return bytes;
}

const MAPPED_V4_PREFIX = [0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0xff, 0xff];

/**
 * Parses an address as it appears in a socket or a forwarding header: `203.0.113.7`, `203.0.113.7:4711`,
 * `2001:db8::1`, `[2001:db8::1]:443`, `fe80::1%eth0`, `::ffff:203.0.113.7` (read as IPv4). Null when it is none.
 */
export function parseIp(raw: string): Uint8Array | null {
  let text = raw.trim().replace(/^"|"$/g, '');
  if (text.length === 0 || text.length > 64) return null;
  const bracketed = /^\[([^\]]+)\](?::\d+)?$/.exec(text);
  if (bracketed?.[1]) text = bracketed[1];
  else if (/^[\d.]+:\d+$/.test(text)) text = text.slice(0, text.lastIndexOf(':'));
  text = text.replace(/%[\w.-]+$/, '');
  if (!text.includes(':')) return parseIpv4(text);
  const v6 = parseIpv6(text);
  if (v6 && MAPPED_V4_PREFIX.every((b, i) => v6[i] === b)) return v6.slice(12);
  return v6;
}

/** The canonical text of a parsed address: dotted IPv4, or eight full IPv6 groups. */
export function formatIp(bytes: Uint8Array): string {
  if (bytes.length === 4) return bytes.join('.');
  const words: string[] = [];
  for (let i = 0; i < 16; i += 2) words.push(((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  return words.join(':');
}

function inRange(bytes: Uint8Array, range: IpRange): boolean {
  if (bytes.length !== range.bytes.length) return false;
  let bits = range.prefix;
  for (let i = 0; bits > 0; i++, bits -= 8) {
    const mask = bits >= 8 ? 0xff : (0xff << (8 - bits)) & 0xff;
    if ((bytes[i]! & mask) !== (range.bytes[i]! & mask)) return false;
  }
  return true;
}

function parseRange(text: string): IpRange | null {
  const [address = '', prefixText] = text.split('/');
  const bytes = parseIp(address);
  if (!bytes) return null;
  const max = bytes.length * 8;
  const prefix = prefixText === undefined ? max : /^\d{1,3}$/.test(prefixText) ? Number(prefixText) : NaN;
  return Number.isInteger(prefix) && prefix >= 0 && prefix <= max ? { bytes, prefix } : null;
}

/**
 * Reads CARRIER_VERIFY_TRUST_PROXY: absent, empty or `false` trusts no proxy; a number is a count of proxy
 * hops; otherwise a comma-separated list of addresses, CIDR ranges and the names `loopback`, `private`,
 * `linklocal`. Throws an Error whose message says what is wrong.
 */
export function parseTrustProxy(raw: string | undefined): TrustProxy {
  const text = raw?.trim() ?? '';
  if (text === '' || text === 'false') return { kind: 'none' };
  if (/^\d+$/.test(text)) {
    const hops = Number(text);
    if (hops < 1 || hops > 10) throw new Error(`a hop count must be between 1 and 10${hops === 0 ? ' (to trust no proxy, leave it unset or write false)' : ''}`);
    return { kind: 'hops', hops };
  }
  const ranges = text.split(',').flatMap((item) => {
    const entry = item.trim();
    const named = NAMED_RANGES[entry];
    if (named) return named.map((r) => parseRange(r)!);
    const range = parseRange(entry);
    if (!range) throw new Error(`"${entry.slice(0, 60)}" is not an address, a CIDR range, loopback, private or linklocal`);
    // Every peer a proxy: any client's X-Forwarded-For would be believed, and its limits dodged with a made-up address.
    if (range.prefix === 0) throw new Error(`"${entry}" trusts every address, so any client could name its own: list your proxies' ranges, or give their number`);
    return [range];
  });
  return { kind: 'ranges', ranges };
}

/**
 * The most X-Forwarded-For entries read, from the right. Trusted proxies that append to the header leave the
 * client's own entries on its left, and a client may send 16 KB of them: only the part the proxies wrote is read,
 * so that no request costs more than a few parsed addresses, however long its header.
 */
export const MAX_FORWARDED_ENTRIES = 32;

/**
 * Walks X-Forwarded-For from the right, from the peer, past trusted proxies: `hops` entries with a hop count, else
 * while the address in hand is in a trusted range; a garbled entry, the header's start or MAX_FORWARDED_ENTRIES
 * stop the walk at the address last read. Each entry is parsed only when the walk reaches it.
 */
function walkForwarded(header: string | undefined, peer: Uint8Array, trust: Exclude<TrustProxy, { kind: 'none' }>): Uint8Array {
  let client = peer;
  let end = header?.length ?? 0;
  for (let read = 0, hops = 0; end > 0 && read < MAX_FORWARDED_ENTRIES; read++) {
    if (trust.kind === 'hops' ? hops === trust.hops : !trust.ranges.some((range) => inRange(client, range))) break;
    const start = header!.lastIndexOf(',', end - 1) + 1;
    const entry = header!.slice(start, end).trim();
    end = start - 1;
    if (entry === '') continue;
    const parsed = parseIp(entry);
    if (!parsed) break;
    client = parsed;
    hops++;
  }
  return client;
}

/**
 * Remembers the answers of a function of an address, up to `size` of them, then starts over. Requests come
 * from few addresses at a time, and parsing one on every request costs more than the look-up.
 */
function remembered(fn: (text: string) => string, size = 4096): (text: string) => string {
  let known = new Map<string, string>();
  return (text) => {
    let value = known.get(text);
    if (value === undefined) {
      if (known.size >= size) known = new Map();
      value = fn(text);
      known.set(text, value);
    }
    return value;
  };
}

/** The canonical text of a peer address, or UNKNOWN_IP. */
const canonicalPeer = remembered((address) => {
  const bytes = parseIp(address);
  return bytes ? formatIp(bytes) : UNKNOWN_IP;
});

/** Builds the getter of the client address that rate limits count by; the canonical text of the address. */
export function createClientIp(trust: TrustProxy, remoteAddress: RemoteAddress): (c: Context) => string {
  return function clientIp(c) {
    let address: string | undefined;
    try {
      address = remoteAddress(c);
    } catch {
      address = undefined;
    }
    if (address === undefined) return UNKNOWN_IP;
    if (trust.kind === 'none') return canonicalPeer(address);
    const peer = parseIp(address);
    if (!peer) return UNKNOWN_IP;
    // A forged or garbled entry stops the walk: only the part of the chain our proxies wrote is read.
    return formatIp(walkForwarded(c.req.header('x-forwarded-for'), peer, trust));
  };
}

/**
 * The part of an address a limit counts by: the address itself for IPv4, its /64 for IPv6, since one
 * subscriber usually holds a whole /64 and could otherwise rotate through it.
 */
export function limitSubject(ip: string): string {
  const bytes = parseIp(ip);
  if (!bytes) return ip;
  if (bytes.length === 4) return formatIp(bytes);
  return `${formatIp(Uint8Array.from([...bytes.slice(0, 8), ...new Uint8Array(8)]))}/64`;
}

/** An address with its host part cut, for logs: `203.0.113.0/24`, `2001:db8:1::/48`. */
export const maskIp: (ip: string) => string = remembered((ip) => {
  const bytes = parseIp(ip);
  if (!bytes) return ip === UNKNOWN_IP ? ip : 'invalid';
  if (bytes.length === 4) return `${bytes[0]}.${bytes[1]}.${bytes[2]}.0/24`;
  // The longest run of zero words is the host part with any zero words just before it (RFC 5952): `::/48` for
  // loopback, `2001:db8::/48`, not `0:0:0::/48` or `2001:db8:0::/48`.
  const words = [0, 2, 4].map((i) => ((bytes[i]! << 8) | bytes[i + 1]!).toString(16));
  while (words.at(-1) === '0') words.pop();
  return `${words.join(':')}::/48`;
});
