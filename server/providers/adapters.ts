// Vendor dialects: how each one is asked about a pair and how its answer maps onto the three result codes.
import { isResultCode, ResultCode, resultMessages, type ResultCode as Code } from '../../widget/codes.js';
import { isJsonObject } from '../json.js';
import { UpstreamError, type ProviderAnswer, type UpstreamFailure, type VerifyQuery } from './types.js';

export interface Adapter {
  /** The JSON body sent to the vendor. */
  request(query: VerifyQuery): unknown;
  /** Reads the vendor's JSON; throws UpstreamError for anything that is not a definite result, never guesses. */
  read(providerId: string, json: unknown): ProviderAnswer;
}

export const adapterNames = ['standard', 'tencent', 'aliyun'] as const;
export type AdapterName = (typeof adapterNames)[number];

type Json = Record<string, unknown>;

/** A vendor value fit for a log line: short, printable, never a name or number (vendors echo neither here). */
function shown(value: unknown): string {
  return JSON.stringify(value ?? null).replace(/[^\x20-\x7e]/g, '?').slice(0, 40);
}

function objectOf(providerId: string, json: unknown, what: string): Json {
  if (!isJsonObject(json)) throw new UpstreamError('malformed', providerId, `${what} is not a JSON object`);
  return json;
}

function definite(code: Code, idData: unknown, mobData: unknown): ProviderAnswer {
  return { code, message: resultMessages[code], idData, mobData };
}

/** The provider's standard answer (docs/providers.md): `{ code, message, idData, mobData }`. */
const standard: Adapter = {
  request: ({ name, phoneNumber }) => ({ name, phoneNumber }),
  read(providerId, json) {
    const { code, message, idData, mobData } = objectOf(providerId, json, 'answer');
    if (!isResultCode(code)) throw new UpstreamError('unknown-code', providerId, `unknown result code ${shown(code)}`);
    return { code, message: typeof message === 'string' ? message : resultMessages[code], idData: idData ?? {}, mobData: mobData ?? {} };
  },
};

/** Tencent Cloud `CheckPhoneAndName`: `Response.Result` "0" match, "1" mismatch, "-1" no record. */
const tencentResults: Readonly<Record<string, Code | UpstreamFailure>> = {
  '0': ResultCode.match,
  '1': ResultCode.mismatch,
  '-1': ResultCode.notFound,
  '-2': 'vendor-error', // engine error
  '-3': 'vendor-error', // engine service error
  '-4': 'rejected', // name rejected
  '-5': 'rejected', // number rejected
  '-6': 'refused', // daily limit reached
};

const tencent: Adapter = {
  request: ({ name, phoneNumber }) => ({ Mobile: phoneNumber, Name: name }),
  read(providerId, json) {
    const response = objectOf(providerId, objectOf(providerId, json, 'answer').Response, 'Response');
    // An `Error: null` beside the Result, as a gateway that serialises a typed struct writes it, is no error.
    if (response.Error !== undefined && response.Error !== null) {
      const error = isJsonObject(response.Error) ? response.Error.Code : response.Error;
      throw new UpstreamError('vendor-error', providerId, `Tencent error ${shown(error)}`);
    }
    const result = typeof response.Result === 'number' ? String(response.Result) : response.Result;
    const mapped = typeof result === 'string' && Object.hasOwn(tencentResults, result) ? tencentResults[result] : undefined;
    if (mapped === undefined) throw new UpstreamError('unknown-code', providerId, `unknown Tencent Result ${shown(response.Result)}`);
    if (isResultCode(mapped)) return definite(mapped, {}, { description: response.Description, requestId: response.RequestId });
    throw new UpstreamError(mapped, providerId, `Tencent Result ${result}`);
  },
};

/** Aliyun `TwoElementsVerification`: `Code` "OK" and `Data.IsConsistent` 1 match, 0 mismatch, 2 no record. */
const aliyunResults: Readonly<Record<string, Code>> = { '1': ResultCode.match, '0': ResultCode.mismatch, '2': ResultCode.notFound };

/**
 * Aliyun codes that refuse the number asked about, not the account: the carrier will not let it be looked up (a
 * virtual operator's 170/171/162/165, a Broadnet number), or it was asked about too often lately. Whoever sends such
 * numbers must not be able to open the provider's breaker for everyone (see `rejected`). Any other code is the
 * vendor's own failure, throttling of the account included.
 */
const aliyunRejections: ReadonlySet<unknown> = new Set(['OperatorLimit', 'RequestFrequencyLimit']);

const aliyun: Adapter = {
  request: ({ name, phoneNumber }) => ({ InputNumber: phoneNumber, Mask: 'NORMAL', Name: name }),
  read(providerId, json) {
    const answer = objectOf(providerId, json, 'answer');
    if (answer.Code !== 'OK') throw new UpstreamError(aliyunRejections.has(answer.Code) ? 'rejected' : 'vendor-error', providerId, `Aliyun error ${shown(answer.Code)}`);
    const data = objectOf(providerId, answer.Data, 'Data');
    const consistent = typeof data.IsConsistent === 'number' ? String(data.IsConsistent) : data.IsConsistent;
    const code = typeof consistent === 'string' && Object.hasOwn(aliyunResults, consistent) ? aliyunResults[consistent] : undefined;
    if (code === undefined) throw new UpstreamError('unknown-code', providerId, `unknown Aliyun IsConsistent ${shown(data.IsConsistent)}`);
    return definite(code, {}, { basicCarrier: data.BasicCarrier, requestId: answer.RequestId });
  },
};

export const adapters: Readonly<Record<AdapterName, Adapter>> = { standard, tencent, aliyun };
