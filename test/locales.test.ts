// The widget's words that are built from parts: a rate limit's wait, and whose limit it is.
import { describe, expect, it } from 'vitest';
import { messages } from '../widget/locales.js';

describe('a rate limit, as the widget words it', () => {
  it("says when the limit is the number's own, so that the person knows another number may be tried", () => {
    expect(messages['zh-CN'].rateLimited(600, 'number')).toBe('该手机号验证次数过多，请 10 分钟后再试');
    expect(messages['zh-CN'].rateLimited(600)).toBe('尝试次数过多，请 10 分钟后再试');
    expect(messages['zh-CN'].rateLimited(undefined, 'number')).toBe('该手机号验证次数过多，请稍后再试');
    expect(messages['zh-TW'].rateLimited(600, 'number')).toBe('此手機號碼驗證次數過多，請於 10 分鐘後再試');
    expect(messages['zh-TW'].rateLimited(undefined)).toBe('嘗試次數過多，請稍後再試');
    expect(messages.en.rateLimited(1, 'number')).toBe('Too many attempts for this number. Try again in 1 second.');
    expect(messages.en.rateLimited(undefined)).toBe('Too many attempts. Try again later.');
  });

  it('counts a wait in seconds up to two minutes, then in whole minutes rounded up, then in whole hours from two hours', () => {
    expect(messages['zh-CN'].rateLimited(90)).toBe('尝试次数过多，请 90 秒后再试');
    expect(messages['zh-CN'].rateLimited(119)).toBe('尝试次数过多，请 119 秒后再试');
    expect(messages['zh-CN'].rateLimited(120)).toBe('尝试次数过多，请 2 分钟后再试');
    // Two minutes and ten seconds is not "2 minutes": a person who tries again then is refused again.
    expect(messages['zh-CN'].rateLimited(130)).toBe('尝试次数过多，请 3 分钟后再试');
    expect(messages.en.rateLimited(7199)).toBe('Too many attempts. Try again in 120 minutes.');
    expect(messages.en.rateLimited(7201)).toBe('Too many attempts. Try again in 3 hours.');
  });

  it("does not blame the person for a site's spent budget", () => {
    expect(messages['zh-CN'].rateLimited(86_400, 'site')).toBe('本站验证次数已达上限，请 24 小时后再试');
    expect(messages['zh-TW'].rateLimited(86_400, 'site')).toBe('本網站驗證次數已達上限，請於 24 小時後再試');
    expect(messages.en.rateLimited(86_400, 'site')).toBe('This site has reached its verification limit. Try again in 24 hours.');
    expect(messages.en.rateLimited(30, 'ip')).toBe('Too many attempts. Try again in 30 seconds.');
  });
});
