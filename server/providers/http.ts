// A provider over HTTP in the upstream's shape: posts `{ name, phoneNumber }` with the bearer key and reads the answer.
import { isResultCode } from '../../widget/codes.js';
import { UpstreamError, type Provider, type ProviderAnswer, type Transport, type VerifyQuery } from './types.js';

export interface HttpProviderOptions {
  readonly id: string;
  readonly url: string;
  readonly key: string;
  readonly weight?: number;
  readonly timeoutMs?: number;
  readonly transport: Transport;
}

export const DEFAULT_TIMEOUT_MS = 5000;

/** Reads the upstream's `{ code, message, idData, mobData }`; anything else is an error, never a guess. */
export function readStandardAnswer(providerId: string, json: unknown): ProviderAnswer {
  if (typeof json !== 'object' || json === null) throw new UpstreamError('malformed', providerId, 'answer is not a JSON object');
  const { code, message, idData, mobData } = json as Record<string, unknown>;
  if (!isResultCode(code)) throw new UpstreamError('unknown-code', providerId, `unknown result code ${JSON.stringify(code).slice(0, 40)}`);
  return { code, message: typeof message === 'string' ? message : '', idData: idData ?? {}, mobData: mobData ?? {} };
}

export function createHttpProvider(options: HttpProviderOptions): Provider {
  const { id, url, key, transport } = options;
  return {
    id,
    weight: options.weight ?? 1,
    timeoutMs: options.timeoutMs ?? DEFAULT_TIMEOUT_MS,
    async verify(query: VerifyQuery, signal: AbortSignal): Promise<ProviderAnswer> {
      let response: Response;
      try {
        response = await transport(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', accept: 'application/json', authorization: `Bearer ${key}` },
          body: JSON.stringify({ name: query.name, phoneNumber: query.phoneNumber }),
          signal,
        });
      } catch (cause) {
        if (signal.aborted) throw new UpstreamError('timeout', id, 'no answer before the timeout');
        throw new UpstreamError('transport', id, cause instanceof Error ? cause.message : 'transport failure');
      }
      if (!response.ok) {
        await response.body?.cancel().catch(() => undefined);
        throw new UpstreamError('http-status', id, `HTTP ${response.status}`, response.status);
      }
      let json: unknown;
      try {
        json = await response.json();
      } catch {
        if (signal.aborted) throw new UpstreamError('timeout', id, 'answer did not finish before the timeout');
        throw new UpstreamError('malformed', id, 'answer is not JSON');
      }
      return readStandardAnswer(id, json);
    },
  };
}
