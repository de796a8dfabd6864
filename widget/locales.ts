// Every word the widget shows, in zh-CN, zh-TW and en.
import type { CarrierId, SegmentKind } from './carriers.js';
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
  readonly phonePlaceholder: string;
  readonly verify: string;
  readonly verifying: string;
  readonly change: string;
  readonly retry: string;
  /** The wait left, as the retry button shows it after its word: full-width brackets in Chinese, no space. */
  countdown(clock: string): string;
  readonly name: Record<NameReason, string>;
  readonly phone: Record<PhoneReason, string>;
  readonly segment: Record<Exclude<SegmentKind, 'mobile'>, string>;
  readonly carrier: Record<CarrierId, string>;
  readonly virtualNote: string;
  readonly verified: string;
  readonly mismatch: string;
  readonly notFound: string;
  readonly expired: string;
  readonly rateLimited: (seconds: number | undefined) => string;
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
  nameHint: '须与手机号实名信息中的姓名一致',
  phonePlaceholder: '138 0013 8000',
  verify: '验证',
  verifying: '验证中…',
  change: '修改',
  retry: '重试',
  countdown: (clock) => `（${clock}）`,
  name: {
    empty: '请输入姓名',
    'too-short': '姓名至少两个汉字',
    'too-long': '姓名最多 50 个字',
    'bad-character': '姓名只能包含汉字和间隔号“·”',
    'bad-separator': '间隔号“·”只能用在两个字之间',
  },
  phone: {
    empty: '请输入手机号',
    'too-short': '手机号应为 11 位数字',
    'too-long': '手机号应为 11 位数字',
    'not-mobile': '这不是有效的中国大陆手机号，请检查号码',
    invalid: '请输入中国大陆手机号',
  },
  segment: {
    'data-only': '上网卡号码无法进行实名验证',
    iot: '物联网号码无法进行实名验证',
    satellite: '卫星电话号码无法进行实名验证',
  },
  carrier: {
    'china-mobile': '中国移动',
    'china-unicom': '中国联通',
    'china-telecom': '中国电信',
    'china-broadnet': '中国广电',
    virtual: '虚拟运营商',
  },
  virtualNote: '号码可能无法验证',
  verified: '验证通过：姓名与手机号的实名信息一致',
  mismatch: '姓名与手机号的实名信息不一致，请检查后重试',
  notFound: '未查到该手机号的实名信息，请确认号码或稍后再试',
  expired: '验证已过期，请重新验证',
  rateLimited: (s) => (s ? `尝试次数过多，请 ${wait(s, '秒', '分钟', '小时')}后再试` : '尝试次数过多，请稍后再试'),
  unavailable: '验证服务暂时不可用，请稍后重试',
  retryNow: '现在可以重试了',
  rejected: '此页面无法使用验证服务，请联系网站客服',
  network: '网络连接失败，请检查网络后重试',
  privacy: '姓名和手机号将发送至本站的验证服务及其服务商，仅用于向运营商验证二者是否一致，不保存原始信息。',
  beforeLink: '',
  privacyLink: '隐私政策',
  required: '请先验证姓名与手机号',
};

const zhTW: Messages = {
  nameLabel: '姓名',
  phoneLabel: '手機號碼',
  nameHint: '須與手機號碼實名資料中的姓名一致',
  phonePlaceholder: '138 0013 8000',
  verify: '驗證',
  verifying: '驗證中…',
  change: '修改',
  retry: '重試',
  countdown: (clock) => `（${clock}）`,
  name: {
    empty: '請輸入姓名',
    'too-short': '姓名至少兩個中文字',
    'too-long': '姓名最多 50 個字',
    'bad-character': '姓名只能包含中文字和間隔號「·」',
    'bad-separator': '間隔號「·」只能用在兩個字之間',
  },
  phone: {
    empty: '請輸入手機號碼',
    'too-short': '手機號碼應為 11 位數字',
    'too-long': '手機號碼應為 11 位數字',
    'not-mobile': '這不是有效的中國大陸手機號碼，請檢查號碼',
    invalid: '請輸入中國大陸手機號碼',
  },
  segment: {
    'data-only': '上網卡號碼無法進行實名驗證',
    iot: '物聯網號碼無法進行實名驗證',
    satellite: '衛星電話號碼無法進行實名驗證',
  },
  carrier: {
    'china-mobile': '中國移動',
    'china-unicom': '中國聯通',
    'china-telecom': '中國電信',
    'china-broadnet': '中國廣電',
    virtual: '虛擬電信業者',
  },
  virtualNote: '號碼可能無法驗證',
  verified: '驗證通過：姓名與手機號碼的實名資料一致',
  mismatch: '姓名與手機號碼的實名資料不一致，請檢查後重試',
  notFound: '查無此手機號碼的實名資料，請確認號碼或稍後再試',
  expired: '驗證已過期，請重新驗證',
  rateLimited: (s) => (s ? `嘗試次數過多，請於 ${wait(s, '秒', '分鐘', '小時')}後再試` : '嘗試次數過多，請稍後再試'),
  unavailable: '驗證服務暫時無法使用，請稍後重試',
  retryNow: '現在可以重試了',
  rejected: '此頁面無法使用驗證服務，請聯絡網站客服',
  network: '網路連線失敗，請檢查網路後重試',
  privacy: '姓名和手機號碼將傳送至本站的驗證服務及其服務供應商，僅用於向電信業者驗證兩者是否一致，不保存原始資料。',
  beforeLink: '',
  privacyLink: '隱私權政策',
  required: '請先驗證姓名與手機號碼',
};

const en: Messages = {
  nameLabel: 'Name',
  phoneLabel: 'Mobile number',
  nameHint: 'As registered with the carrier',
  phonePlaceholder: '138 0013 8000',
  verify: 'Verify',
  verifying: 'Verifying…',
  change: 'Change',
  retry: 'Try again',
  countdown: (clock) => ` (${clock})`,
  name: {
    empty: 'Enter your name',
    'too-short': 'Enter at least two Chinese characters',
    'too-long': 'Enter at most 50 characters',
    'bad-character': 'Use Chinese characters only, with · between parts',
    'bad-separator': 'Put · only between two parts of the name',
  },
  phone: {
    empty: 'Enter your mobile number',
    'too-short': 'Enter all 11 digits of the mobile number',
    'too-long': 'Enter only the 11 digits of the mobile number',
    'not-mobile': 'This is not a valid mainland China mobile number. Check the number',
    invalid: 'Enter a mainland China mobile number',
  },
  segment: {
    'data-only': 'Data-only numbers cannot be verified',
    iot: 'IoT numbers cannot be verified',
    satellite: 'Satellite phone numbers cannot be verified',
  },
  carrier: {
    'china-mobile': 'China Mobile',
    'china-unicom': 'China Unicom',
    'china-telecom': 'China Telecom',
    'china-broadnet': 'China Broadnet',
    virtual: 'Virtual operator',
  },
  virtualNote: 'such numbers may not be verifiable',
  verified: 'Verified: the name matches the number’s registration',
  mismatch: 'The name does not match the number’s registration. Check both and try again',
  notFound: 'No registration was found for this number. Check it or try again later',
  expired: 'The verification has expired. Please verify again',
  rateLimited: (s) => (s ? `Too many attempts. Try again in ${wait(s, s === 1 ? 'second' : 'seconds', 'minutes', 'hours')}` : 'Too many attempts. Try again later'),
  unavailable: 'Verification is unavailable right now. Please try again later',
  retryNow: 'You can try again now',
  rejected: 'This page cannot use the verification service. Please contact the site’s support team',
  network: 'Could not connect. Check your connection and try again',
  privacy: 'Your name and mobile number are sent to this site’s verification service and its provider only to check with your carrier that they match. They are not stored as entered.',
  beforeLink: ' ',
  privacyLink: 'Privacy policy',
  required: 'Verify your name and mobile number first',
};

export const messages: Record<Lang, Messages> = { 'zh-CN': zhCN, 'zh-TW': zhTW, en };

/** The supported language nearest to a BCP 47 tag, or null. */
export function matchLang(tag: string | null | undefined): Lang | null {
  if (!tag) return null;
  const lower = tag.toLowerCase();
  if (lower.startsWith('en')) return 'en';
  if (/^zh-(tw|hk|mo)|^zh-hant/.test(lower)) return 'zh-TW';
  if (lower.startsWith('zh')) return 'zh-CN';
  return null;
}
