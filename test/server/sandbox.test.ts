// The embedded sandbox provider: its directory's answers in the upstream's exact shape, and its two fault numbers.
import { describe, expect, it } from 'vitest';
import { sandboxProvider } from '../../server/config.js';
import { callWithTimeout } from '../../server/providers/router.js';
import { sandboxDirectory, sandboxFaults } from '../../server/providers/sandbox-directory.js';
import { UpstreamError } from '../../server/providers/types.js';

const provider = sandboxProvider(200);
const ask = (name: string, phoneNumber: string) => callWithTimeout(provider, { name, phoneNumber });

describe('the sandbox provider', () => {
  it('answers each listed number with its name FP00000, in the upstream shape with idData and mobData', async () => {
    for (const { name, phoneNumber } of sandboxDirectory) {
      expect(await ask(name, phoneNumber)).toEqual({
        code: 'FP00000',
        message: 'SUCCESS',
        idData: { nameMatched: true, name, certType: 'ID_CARD' },
        mobData: { isp: expect.any(String), province: '北京', city: '北京', phoneNumber, channel: 'sandbox' },
      });
    }
  });

  it('answers a listed number with another name FP03333, and any other number KYC1101 with empty idData', async () => {
    expect(await ask('李四', '13800138000')).toMatchObject({ code: 'FP03333', message: '认证信息不一致', idData: { nameMatched: false, name: '李四' } });
    expect(await ask('张三', '13900139000')).toMatchObject({ code: 'KYC1101', message: '信息不存在', idData: {}, mobData: { phoneNumber: '13900139000', isp: 'china-mobile' } });
  });

  it('fails its 500 number as an upstream answering HTTP 500', async () => {
    const failure = await ask('张三', sandboxFaults.serverError).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(UpstreamError);
    expect(failure).toMatchObject({ failure: 'server-error', providerId: 'sandbox', status: 500 });
  });

  it('never answers its 504 number: the call times out', async () => {
    const started = performance.now();
    const failure = await ask('张三', sandboxFaults.noAnswer).catch((error: unknown) => error);
    expect(failure).toMatchObject({ failure: 'timeout', providerId: 'sandbox' });
    // Failed by its timeout, not at once (loose: a timer counts from the event loop's clock, read at the turn's start).
    expect(performance.now() - started).toBeGreaterThanOrEqual(100);
  });
});
