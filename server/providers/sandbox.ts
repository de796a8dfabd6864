// The embedded sandbox upstream: a transport that answers in the provider's exact shape from the sandbox directory.
import { ResultCode, resultMessages, type ResultCode as Code } from '../../widget/codes.js';
import { carrierOf } from '../../widget/carriers.js';
import { sandboxDirectory, sandboxFaults } from './sandbox-directory.js';
import { readsCallControl, type Transport, type TransportResponse } from './types.js';

/** URL the sandbox provider is configured with; requests to it never leave the process. */
export const SANDBOX_URL = 'sandbox://upstream/verify';

const registered = new Map(sandboxDirectory.map((entry) => [entry.phoneNumber, entry.name]));

function neverAnswer(signal: AbortSignal | null | undefined): Promise<TransportResponse> {
  return new Promise((_, reject) => {
    signal?.addEventListener('abort', () => reject(signal.reason ?? new DOMException('Aborted', 'AbortError')), { once: true });
  });
}

/** The two headers of a sandbox answer: its type and length. */
class SandboxHeaders {
  constructor(
    private readonly contentType: string,
    private readonly contentLength: number,
  ) {}

  get(name: string): string | null {
    const header = name.toLowerCase();
    if (header === 'content-type') return this.contentType;
    return header === 'content-length' ? String(this.contentLength) : null;
  }
}

/** An answer as the provider reads it off the wire; classes, so that one answer is two small objects. */
class SandboxAnswer implements TransportResponse {
  readonly headers: SandboxHeaders;

  constructor(
    readonly status: number,
    contentType: string,
    private readonly content: string,
  ) {
    this.headers = new SandboxHeaders(contentType, content.length);
  }

  text(): Promise<string> {
    return Promise.resolve(this.content);
  }
}

function json(body: unknown, status = 200): TransportResponse {
  return new SandboxAnswer(status, 'application/json', JSON.stringify(body));
}

/** What the sandbox directory says of a pair: a match, a mismatch, or no record. */
export function sandboxVerdict(phoneNumber: string, name: string): Code {
  const owner = registered.get(phoneNumber);
  if (owner === undefined) return ResultCode.notFound;
  return owner === name ? ResultCode.match : ResultCode.mismatch;
}

/** Answers an upstream request `{ name, phoneNumber }` as the real provider would, faults included. */
async function answerAsUpstream(input: string | URL | Request, init?: RequestInit): Promise<TransportResponse> {
  let body: { name?: unknown; phoneNumber?: unknown };
  try {
    // The provider posts a string body; reading it directly spares a Request object on every call.
    const text = typeof init?.body === 'string' ? init.body : await new Request(input, init).text();
    body = JSON.parse(text) as typeof body;
  } catch {
    return json({ code: 'PARAM_ERROR', message: '参数错误', idData: {}, mobData: {} }, 400);
  }
  const phoneNumber = String(body.phoneNumber ?? '');
  const name = String(body.name ?? '');
  if (phoneNumber === sandboxFaults.serverError) return new SandboxAnswer(500, 'text/plain', 'Internal Server Error');
  if (phoneNumber === sandboxFaults.noAnswer) return neverAnswer(init?.signal);
  const code = sandboxVerdict(phoneNumber, name);
  const carrier = carrierOf(phoneNumber);
  return json({
    code,
    message: resultMessages[code],
    idData: code === ResultCode.notFound ? {} : { nameMatched: code === ResultCode.match, name, certType: 'ID_CARD' },
    mobData: { isp: carrier, province: '北京', city: '北京', phoneNumber, channel: 'sandbox' },
  });
}

/** The sandbox as a transport; it reads the signal off the init only for the number that never answers. */
export const sandboxUpstream: Transport = Object.assign(answerAsUpstream, { [readsCallControl]: true as const });
