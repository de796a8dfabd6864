// Every word the widget shows, in zh-CN, zh-TW and en.
import type { CarrierId, SegmentKind } from './carriers.js';
import type { RateLimit } from './events.js';
import type { NameReason, PhoneReason } from './validation.js';

export type Lang = 'zh-CN' | 'zh-TW' | 'en';
export const langs: readonly Lang[] = ['zh-CN', 'zh-TW', 'en'];

/**
 * A wait as a person reads it: seconds up to two minutes, then whole minutes rounded up (a ten-minute limit's
 * 598 s is "10 minutes", not a figure to count down in one's head), then whole hours from two hours (a site's
 * daily budget spent is "24 hours", not "1440 minutes").
 */
const wait = (seconds: number, second: string, minute: string, hour: string) =>
  seconds < 120 ? `${seconds} ${second}` : seconds < 7200 ? `${Math.ceil(seconds / 60)} ${minute}` : `${Math.ceil(seconds / 3600)} ${hour}`;

export interface Messages {
  readonly nameLabel: string;
  readonly phoneLabel: string;
  /** What the name must be, shown under its field while it has no error. */
  readonly nameHint: string;
  readonly verify: string;
  readonly verifying: string;
  readonly change: string;
  readonly retry: string;
  /** The wait left, as the retry button shows it after its word: full-width brackets in Chinese, no space. */
  countdown(clock: string): string;
  readonly name: Record<NameReason, string>;
  readonly phone: Record<PhoneReason, string>;
  readonly segment: Record<Exclude<SegmentKind, 'mobile'>, string>;
  /** The carrier a number's segment was issued to, as the hint under the field names it: a segment, not a fact (portability). */
  readonly carrier: Record<Exclude<CarrierId, 'virtual'>, string>;
  /** The hint for a virtual operator's segment. */
  readonly virtualHint: string;
  readonly verified: string;
  readonly mismatch: string;
  readonly notFound: string;
  readonly expired: string;
  /**
   * Which limit: `number`, this number's own (another number may be tried at once); `site`, the site's budget,
   * spent by no fault of the person's; else the person's address.
   */
  readonly rateLimited: (seconds: number | undefined, limit?: RateLimit) => string;
  /** Shown when the wait after a rate limit is over. */
  readonly retryNow: string;
  readonly unavailable: string;
  readonly rejected: string;
  readonly network: string;
  readonly privacy: string;
  /** What stands between the notice and its link: nothing after a Chinese full stop, a space in English. */
  readonly beforeLink: string;
  readonly privacyLink: string;
  readonly required: string;
}

const zhCN: Messages = {
  nameLabel: '姓名',
  phoneLabel: '手机号',
  nameHint: '需与该手机号实名登记的姓名一致',
  verify: '验证',
  verifying: '验证中…',
  change: '修改',
  retry: '重试',
  countdown: (clock) => `（${clock}）`,
  name: {
    empty: '请输入姓名',
    'too-short': '姓名至少 2 个汉字',
    'too-long': '姓名最多 50 个字',
    'bad-character': '目前仅支持中文姓名（可含间隔号“·”）',
    'bad-separator': '间隔号“·”只能用在两个字之间',
  },
  phone: {
    empty: '请输入手机号',
    'too-short': '手机号应为 11 位数字',
    'too-long': '手机号应为 11 位数字',
    'not-mobile': '号码有误，请输入中国大陆手机号',
    invalid: '请输入中国大陆手机号（+86）',
  },
  segment: {
    'data-only': '不支持上网卡号码，请使用手机号',
    iot: '不支持物联网号码，请使用手机号',
    satellite: '不支持卫星电话号码，请使用手机号',
  },
  carrier: {
    'china-mobile': '中国移动号段',
    'china-unicom': '中国联通号段',
    'china-telecom': '中国电信号段',
    'china-broadnet': '中国广电号段',
  },
  virtualHint: '虚拟运营商号段，此类号码可能无法验证',
  verified: '验证通过：姓名与手机号的实名信息一致',
  mismatch: '姓名与手机号的实名信息不一致，请检查后重试',
  notFound: '未查到该手机号的实名信息，请确认号码或稍后再试',
  expired: '验证已过期，请重新验证',
  rateLimited: (s, limit) =>
    `${limit === 'site' ? '本站验证次数已达上限' : `${limit === 'number' ? '该手机号验证' : '尝试'}次数过多`}，请${s ? ` ${wait(s, '秒', '分钟', '小时')}后` : '稍后'}再试`,
  unavailable: '验证服务暂时不可用，请稍后重试',
  retryNow: '现在可以重试了',
  rejected: '此页面无法使用验证服务，请联系网站客服',
  network: '网络连接失败，请检查网络后重试',
  privacy: '姓名和手机号将发送至本站的验证服务及其服务商，仅用于向运营商验证二者是否一致。',
  beforeLink: '',
  privacyLink: '查看隐私政策',
  required: '请先验证姓名与手机号',
};

const zhTW: Messages = {
  nameLabel: '姓名',
  phoneLabel: '手機號碼',
  nameHint: '須與手機號碼實名資料中的姓名一致',
  verify: '驗證',
  verifying: '驗證中…',
  change: '修改',
  retry: '重試',
  countdown: (clock) => `（${clock}）`,
  name: {
    empty: '請輸入姓名',
    'too-short': '姓名至少 2 個中文字',
    'too-long': '姓名最多 50 個字',
    'bad-character': '目前僅支援中文姓名（可含間隔號「·」）',
    'bad-separator': '間隔號「·」只能用在兩個字之間',
  },
  phone: {
    empty: '請輸入手機號碼',
    'too-short': '手機號碼應為 11 碼',
    'too-long': '手機號碼應為 11 碼',
    'not-mobile': '號碼有誤，請輸入中國大陸手機號碼',
    invalid: '請輸入中國大陸手機號碼（+86）',
  },
  segment: {
    'data-only': '不支援上網卡號碼，請使用手機號碼',
    iot: '不支援物聯網號碼，請使用手機號碼',
    satellite: '不支援衛星電話號碼，請使用手機號碼',
  },
  carrier: {
    'china-mobile': '中國移動號段',
    'china-unicom': '中國聯通號段',
    'china-telecom': '中國電信號段',
    'china-broadnet': '中國廣電號段',
  },
  virtualHint: '虛擬電信業者號段，此類號碼可能無法驗證',
  verified: '驗證通過：姓名與手機號碼的實名資料一致',
  mismatch: '姓名與手機號碼的實名資料不一致，請檢查後重試',
  notFound: '查無此手機號碼的實名資料，請確認號碼或稍後再試',
  expired: '驗證已過期，請重新驗證',
  rateLimited: (s, limit) =>
    `${limit === 'site' ? '本網站驗證次數已達上限' : `${limit === 'number' ? '此手機號碼驗證' : '嘗試'}次數過多`}，請${s ? `於 ${wait(s, '秒', '分鐘', '小時')}後` : '稍後'}再試`,
  unavailable: '驗證服務暫時無法使用，請稍後重試',
  retryNow: '現在可以重試了',
  rejected: '此頁面無法使用驗證服務，請聯絡網站客服',
  network: '網路連線失敗，請檢查網路後重試',
  privacy: '姓名和手機號碼將傳送至本站的驗證服務及其服務供應商，僅用於向電信業者驗證兩者是否一致。',
  beforeLink: '',
  privacyLink: '查看隱私權政策',
  required: '請先驗證姓名與手機號碼',
};

const en: Messages = {
  nameLabel: 'Name',
  phoneLabel: 'Mobile number',
  nameHint: 'Your name as registered with your mobile carrier',
  verify: 'Verify',
  verifying: 'Verifying…',
  change: 'Change',
  retry: 'Try again',
  countdown: (clock) => ` (${clock})`,
  name: {
    empty: 'Enter your name',
    'too-short': 'Enter at least two Chinese characters',
    'too-long': 'Enter at most 50 characters',
    'bad-character': 'Only names in Chinese characters are supported (a middle dot · may separate parts)',
    'bad-separator': 'The middle dot · can only go between two characters',
  },
  phone: {
    empty: 'Enter your mobile number',
    'too-short': 'Enter all 11 digits of the mobile number',
    'too-long': 'Enter only the 11 digits of the mobile number',
    'not-mobile': 'Check the number: enter a mainland China mobile number',
    invalid: 'Enter a mainland China (+86) mobile number',
  },
  segment: {
    'data-only': 'Data-only SIM numbers cannot be verified; use a mobile number',
    iot: 'IoT numbers cannot be verified; use a mobile number',
    satellite: 'Satellite phone numbers cannot be verified; use a mobile number',
  },
  carrier: {
    'china-mobile': 'China Mobile prefix',
    'china-unicom': 'China Unicom prefix',
    'china-telecom': 'China Telecom prefix',
    'china-broadnet': 'China Broadnet prefix',
  },
  virtualHint: 'Virtual operator prefix: numbers like this may not be verifiable',
  verified: 'Verified: the name matches the number’s registration',
  mismatch: 'The name does not match the number’s registration. Check both and try again.',
  notFound: 'No registration was found for this number. Check it or try again later.',
  expired: 'The verification has expired. Verify again.',
  rateLimited: (s, limit) =>
    `${limit === 'site' ? 'This site has reached its verification limit' : `Too many attempts${limit === 'number' ? ' for this number' : ''}`}. Try again ${s ? `in ${wait(s, s === 1 ? 'second' : 'seconds', 'minutes', 'hours')}` : 'later'}.`,
  unavailable: 'Verification is unavailable right now. Try again later.',
  retryNow: 'You can try again now',
  rejected: 'This page cannot use the verification service. Contact the site’s support team.',
  network: 'Could not connect. Check your connection and try again.',
  privacy: 'Your name and mobile number are sent to this site’s verification service and its provider, and are used only to check with your carrier that they match.',
  beforeLink: ' ',
  privacyLink: 'See privacy policy',
  required: 'Verify your name and mobile number first',
};

export const messages: Record<Lang, Messages> = { 'zh-CN': zhCN, 'zh-TW': zhTW, en };

/** The supported language nearest to a BCP 47 tag, or null. */
export function matchLang(tag: string | null | undefined): Lang | null {
  if (!tag) return null;
  // `zh_TW` as Java and PHP write a locale, with an underscore.
  const lower = tag.toLowerCase().replace('_', '-');
  if (lower.startsWith('en')) return 'en';
  if (/^zh-(tw|hk|mo)|^zh-hant/.test(lower)) return 'zh-TW';
  if (lower.startsWith('zh')) return 'zh-CN';
  return null;
}
