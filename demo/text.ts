// The demo page's own words in each of the widget's languages: the language switch changes the whole page.
import type { Lang } from '../widget/locales.js';

/**
 * The page's texts. `{name}` stands for an element of the page kept as it is (a `data-slot` child: code, a link,
 * the widget's button label) or for a value put in by the page (`{phone}`, `{chars}`…).
 */
export interface PageText {
  readonly title: string;
  readonly intro: string;
  readonly dashboard: string;
  readonly tryTitle: string;
  readonly language: string;
  readonly theme: string;
  readonly themeLight: string;
  readonly themeDark: string;
  readonly themeAuto: string;
  /** The `required` switch: `{attribute}` is the attribute's name, as code. */
  readonly required: string;
  /** The `disabled` switch, as `required`. */
  readonly disabled: string;
  readonly originHelp: string;
  readonly submit: string;
  readonly noToken: string;
  readonly disabledPostsNothing: string;
  readonly backendYes: string;
  readonly backendNo: string;
  readonly wouldPost: string;
  readonly directoryTitle: string;
  readonly directoryHelp: string;
  readonly limitsNote: string;
  /** The check's Chinese name in the intro, in the script the page is read in. */
  readonly term: string;
  readonly columnNumber: string;
  readonly columnName: string;
  readonly columnExpect: string;
  readonly fillRow: string;
  readonly afterTimeout: string;
  readonly eventsTitle: string;
  readonly clear: string;
  readonly codeTitle: string;
  readonly frameworks: string;
  readonly tabHtml: string;
  readonly tabBackend: string;
  readonly copy: string;
  readonly copied: string;
  readonly selected: string;
}

const en: PageText = {
  title: 'carrier-verify · demo: name and mobile number check',
  intro:
    'Check that a name matches the real-name registration of a mainland China mobile number ({term}), with one {script} tag. This page runs on the embedded {sandbox}: no real data is checked. {dashboard}',
  dashboard: 'Monitoring dashboard →',
  tryTitle: 'Try it',
  language: '{english}',
  theme: 'Theme',
  themeLight: 'Light',
  themeDark: 'Dark',
  themeAuto: 'Auto (match system)',
  required: 'Require verification ({attribute})',
  disabled: 'Disable ({attribute})',
  originHelp:
    'The proxy’s sandbox site accepts only pages at {localhost}, {ipv4} and {ipv6}, so it refuses this page’s origin, {origin}. On your machine, run {tunnel} and open {local}.',
  submit: 'Submit the form (sends the token, name and number)',
  noToken: 'No token yet: verify first.',
  disabledPostsNothing: 'Nothing from the widget: a disabled form control posts nothing, and required does not hold the form back.',
  backendYes: 'accepted (verified; the token is now used up).',
  backendNo: 'refused ({errors}).',
  wouldPost:
    'The form would post carrier-verify-token ({chars} chars), real_name {name} and mobile {phone} to your backend, which checks them with siteverify:',
  directoryTitle: 'Sandbox directory',
  directoryHelp: 'Choose a row to fill the widget, then press {verify}.',
  term: '运营商二要素',
  limitsNote: 'The proxy’s rate limits hold here as anywhere: by default 5 names for one number in 10 minutes, and 30 requests a minute from one IP address. When a limit is reached, the widget counts down the wait.',
  columnNumber: 'Mobile number',
  columnName: 'Name',
  columnExpect: 'Expected event',
  fillRow: '{phone} {name}: fill the widget',
  afterTimeout: 'after 3 s',
  eventsTitle: 'Events',
  clear: 'Clear',
  codeTitle: 'Embed it',
  frameworks: 'Code examples',
  tabHtml: 'Script tag',
  tabBackend: 'Backend (siteverify)',
  copy: 'Copy',
  copied: 'Copied',
  selected: 'Selected: press {keys}',
};

const zhCN: PageText = {
  title: 'carrier-verify · 运营商二要素核验 · 演示',
  intro: '只需一个 {script} 标签，即可验证姓名与中国大陆手机号的实名登记是否一致（{term}）。本页使用内置的 {sandbox}（沙盒）：不验证任何真实信息。{dashboard}',
  dashboard: '监控面板 →',
  tryTitle: '试一试',
  language: '语言 {english}',
  theme: '主题',
  themeLight: '浅色',
  themeDark: '深色',
  themeAuto: '跟随系统',
  required: '必须先验证 {attribute}',
  disabled: '禁用 {attribute}',
  originHelp:
    '代理的 sandbox 站点只接受来自 {localhost}、{ipv4} 和 {ipv6} 的页面，因此会拒绝本页的来源 {origin}。请在你的电脑上运行 {tunnel}，然后打开 {local}。',
  submit: '提交表单（发送令牌、姓名和手机号）',
  noToken: '还没有令牌：请先验证。',
  disabledPostsNothing: '组件未提交任何内容：禁用的表单控件不随表单提交，required 也不会阻止提交。',
  backendYes: '通过（已验证，令牌已使用）。',
  backendNo: '不通过（{errors}）。',
  wouldPost: '表单会把 carrier-verify-token（{chars} 个字符）、real_name {name} 和 mobile {phone} 发送到你的后端，后端用 siteverify 核对：',
  directoryTitle: '沙盒名录',
  directoryHelp: '选择一行填入组件，然后点击“{verify}”。',
  term: '运营商二要素',
  limitsNote: '代理的限流规则在此同样生效：默认每个手机号 10 分钟内最多验证 5 个姓名，每个 IP 地址每分钟最多 30 次请求。超出后，组件会显示需等待的时间并倒计时。',
  columnNumber: '手机号',
  columnName: '姓名',
  columnExpect: '预期事件',
  fillRow: '{phone} {name}：填入组件',
  afterTimeout: '3 秒后',
  eventsTitle: '事件',
  clear: '清空',
  codeTitle: '嵌入代码',
  frameworks: '代码示例',
  tabHtml: 'script 标签',
  tabBackend: '后端（siteverify）',
  copy: '复制',
  copied: '已复制',
  selected: '已选中：按 {keys} 复制',
};

const zhTW: PageText = {
  title: 'carrier-verify · 運營商二要素核驗 · 示範',
  intro: '只需一個 {script} 標籤，即可驗證姓名與中國大陸手機號碼的實名登記是否一致（{term}）。本頁使用內建的 {sandbox}（沙盒）：不驗證任何真實資料。{dashboard}',
  dashboard: '監控面板 →',
  tryTitle: '試試看',
  language: '語言 {english}',
  theme: '主題',
  themeLight: '淺色',
  themeDark: '深色',
  themeAuto: '跟隨系統',
  required: '必須先驗證 {attribute}',
  disabled: '停用 {attribute}',
  originHelp:
    '代理的 sandbox 網站只接受來自 {localhost}、{ipv4} 和 {ipv6} 的頁面，因此會拒絕本頁的來源 {origin}。請在你的電腦上執行 {tunnel}，然後開啟 {local}。',
  submit: '送出表單（傳送權杖、姓名和手機號碼）',
  noToken: '還沒有權杖：請先驗證。',
  disabledPostsNothing: '元件未送出任何內容：停用的表單控制項不隨表單送出，required 也不會阻止送出。',
  backendYes: '通過（已驗證，權杖已使用）。',
  backendNo: '不通過（{errors}）。',
  wouldPost: '表單會把 carrier-verify-token（{chars} 個字元）、real_name {name} 和 mobile {phone} 傳送到你的後端，後端以 siteverify 核對：',
  directoryTitle: '沙盒名錄',
  directoryHelp: '選擇一列填入元件，然後點選「{verify}」。',
  term: '運營商二要素',
  limitsNote: '代理的速率限制在此同樣生效：預設每個手機號碼 10 分鐘內最多驗證 5 個姓名，每個 IP 位址每分鐘最多 30 次請求。超出後，元件會顯示需等待的時間並倒數計時。',
  columnNumber: '手機號碼',
  columnName: '姓名',
  columnExpect: '預期事件',
  fillRow: '{phone} {name}：填入元件',
  afterTimeout: '3 秒後',
  eventsTitle: '事件',
  clear: '清除',
  codeTitle: '嵌入程式碼',
  frameworks: '程式碼範例',
  tabHtml: 'script 標籤',
  tabBackend: '後端（siteverify）',
  copy: '複製',
  copied: '已複製',
  selected: '已選取：按 {keys} 複製',
};

export const pageText: Record<Lang, PageText> = { 'zh-CN': zhCN, 'zh-TW': zhTW, en };

