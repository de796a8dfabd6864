// The monitoring page's own words in each of the widget's languages. What the proxy says itself (a store's
// reason, an error message) stays as it says it; codes, provider ids, p50 and p95 stay as they are.
import type { Lang } from '../widget/locales.js';

export interface DashboardText {
  // The page as written (`data-text` and `data-label` in dashboard.html).
  readonly title: string;
  readonly heading: string;
  readonly intro: string;
  readonly demoLink: string;
  readonly language: string;
  readonly window: string;
  /** Each choice of the window, `{n}` its minutes. */
  readonly minutes: string;
  readonly pause: string;
  readonly loading: string;
  readonly tokenForm: string;
  readonly tokenLabel: string;
  readonly tokenShow: string;
  readonly closedRegion: string;
  readonly closedNote: string;
  readonly totals: string;
  readonly tileRequests: string;
  readonly tileErrors: string;
  readonly tileRateLimited: string;
  readonly tileCache: string;
  readonly tileBilled: string;
  readonly tileCost: string;
  readonly tileTokens: string;
  readonly chartKeys: string;
  readonly chartRequests: string;
  readonly chartLatency: string;
  readonly chartErrors: string;
  readonly chartCache: string;
  readonly chartCost: string;
  /** After a bar chart's title: how long a time each bar counts, `{step}` (the points are longer in a longer window). */
  readonly perBar: string;
  /** A bar's time in seconds, `{n}`. */
  readonly seconds: string;
  /** What opens a chart's table of values. */
  readonly chartTable: string;
  /** The time column of a chart's table. */
  readonly columnTime: string;
  readonly providers: string;
  readonly columnProvider: string;
  readonly columnCircuit: string;
  readonly columnCalls: string;
  readonly columnFailed: string;
  readonly budgets: string;
  readonly columnSite: string;
  readonly columnUsed: string;
  readonly columnResets: string;
  // What the page writes as the figures come.
  readonly matched: string;
  readonly ofRequests: string;
  /** The rate-limited tile's limits, named as the refusals by each follow its share: `ip`, `number`, `name`, `site`. */
  readonly limitNames: Readonly<Record<string, string>>;
  readonly lookUps: string;
  readonly perCall: string;
  readonly estimated: string;
  /** The cost tile's note on the sandbox, which bills nothing: the figure is what a real provider would bill. */
  readonly estimatedSandbox: string;
  /** The cost tile's note of failed calls that may have been billed all the same: `{n}` calls, up to `{cost}`. */
  readonly maybeBilled: string;
  /** The token checks tile's hint: `{n}` tokens accepted, before the refusals by their codes. */
  readonly tokensAccepted: string;
  /** Under a provider's failed calls: its latest failure, `{what}` (its kind and HTTP status), at `{time}`. */
  readonly lastFailure: string;
  readonly storeMayDrop: string;
  readonly storeDown: string;
  /**
   * A note after a figure or a sentence, `{text}`, in the language's own brackets: the store's reason for being down,
   * a share after a count (`3 / 4 (75%)`, `3 / 4（75%）`).
   */
  readonly aside: string;
  readonly codeMatch: string;
  readonly codeMismatch: string;
  readonly codeNotFound: string;
  /**
   * What the proxy's own codes say, beside them where the code's English words are not the page's language (none in
   * English, whose codes say it themselves).
   */
  readonly codeGloss: Readonly<Record<string, string>>;
  readonly other: string;
  readonly rateLimitRefusals: string;
  readonly hitRate: string;
  readonly estimatedCost: string;
  readonly emptyRequests: string;
  readonly emptyLatency: string;
  readonly emptyErrors: string;
  readonly emptyCache: string;
  readonly emptyCost: string;
  /** Each state of a provider's circuit breaker. */
  readonly circuit: Readonly<Record<'closed' | 'open' | 'half-open' | 'off' | 'unknown', string>>;
  readonly updated: string;
  readonly instance: string;
  readonly instanceWas: string;
  readonly notDrawn: string;
  /** Above the totals while the instance's figures begin within the window, `{time}` when. */
  readonly countingSince: string;
  /** The shading of a chart's points before the instance's figures begin, and their read-out. */
  readonly uncounted: string;
  readonly closed: string;
  readonly tokenNeeded: string;
  readonly notUpdated: string;
  readonly since: string;
  readonly noAnswer: string;
  readonly unreachable: string;
  readonly wrongToken: string;
  /** A token that opened the data before and no longer does (changed where the proxy runs). */
  readonly staleToken: string;
  readonly enterToken: string;
  /** After the status while the refreshes are paused. */
  readonly paused: string;
  readonly durationMinutes: string;
  readonly durationHours: string;
  readonly durationDays: string;
  /** Between a series' label and its value in a chart's read-out. */
  readonly colon: string;
}

const en: DashboardText = {
  title: 'carrier-verify · monitoring',
  heading: 'monitoring',
  intro: 'This instance’s verify traffic, kept for an hour. {demo}Prometheus: {metrics}',
  demoLink: '← Demo',
  language: '{english}',
  window: 'Window',
  minutes: '{n} minutes',
  pause: 'Pause',
  loading: 'Loading…',
  tokenForm: 'Open the monitoring data',
  tokenLabel: 'Operator token',
  tokenShow: 'Open',
  closedRegion: 'Monitoring closed',
  closedNote:
    'This proxy runs in production without an operator token, so its monitoring data is closed to everyone. Set {variable} where it runs (32 characters or more, e.g. from {command}), restart it, and reload this page.',
  totals: 'Totals over the window',
  tileRequests: 'Requests',
  tileErrors: 'Errors (5xx)',
  tileRateLimited: 'Rate-limited',
  tileCache: 'Cache hit rate',
  tileBilled: 'Billed calls',
  tileCost: 'Cost',
  tileTokens: 'Token checks',
  chartKeys: 'Use the left and right arrow keys, Home and End to read the values point by point.',
  chartRequests: 'Requests by result code',
  chartLatency: 'Upstream latency (p50 solid, p95 dashed; log scale)',
  chartErrors: 'Errors and rate-limit refusals',
  chartCache: 'Result cache hit rate',
  chartCost: 'Estimated cost, cumulative over the window',
  perBar: ', each bar {step}',
  seconds: '{n} s',
  chartTable: 'Values as a table',
  columnTime: 'Time',
  providers: 'Providers',
  columnProvider: 'Provider',
  columnCircuit: 'Circuit',
  columnCalls: 'Calls',
  columnFailed: 'Failed',
  budgets: 'Site budgets (upstream calls in each window)',
  columnSite: 'Site',
  columnUsed: 'Used',
  columnResets: 'Window ends in',
  matched: '{n} matched',
  ofRequests: '{share} of requests',
  limitNames: { ip: 'address', 'ip-day': 'address per day', number: 'number', name: 'name', site: 'site budget' },
  lookUps: '{hits} of {lookups} look-ups',
  perCall: 'at {price} a call',
  estimated: 'estimated',
  estimatedSandbox: 'estimated: the sandbox bills nothing',
  maybeBilled: 'failed calls that may have been billed too: {n}, up to {cost}',
  tokensAccepted: '{n} accepted',
  lastFailure: 'last: {what} at {time}',
  storeMayDrop: 'The shared store (Redis) may drop keys: {warning}. A used token whose record is dropped could be accepted again.',
  aside: ' ({text})',
  storeDown:
    'The shared store (Redis) has been down since {time}{why}: each instance counts the rate limits on its own, answers from the cache only the pairs it has seen (others are billed again), and siteverify answers 503 until it is back.',
  codeMatch: 'match',
  codeMismatch: 'mismatch',
  codeNotFound: 'no record',
  codeGloss: {},
  other: 'other',
  rateLimitRefusals: 'Rate-limit refusals',
  hitRate: 'Hit rate',
  estimatedCost: 'Estimated cost',
  emptyRequests: 'No verify requests in this window',
  emptyLatency: 'No upstream calls in this window',
  emptyErrors: 'No errors or refusals in this window',
  emptyCache: 'No cache look-ups in this window',
  emptyCost: 'No billed calls in this window',
  circuit: { closed: 'closed', open: 'open', 'half-open': 'half-open', off: 'off', unknown: 'unknown' },
  updated: 'Updated {time}',
  instance: ' · instance {id}{was}, counting for {duration}',
  instanceWas: ' (was {id}: a restart, or another behind a load balancer)',
  notDrawn: 'Not drawn: {message}',
  countingSince: 'These figures begin at {time}, when this instance began counting: what came before (another instance’s traffic, or this one’s before a restart) is not included.',
  uncounted: 'not counted',
  closed: 'Closed: no operator token set',
  tokenNeeded: 'Operator token needed{since}',
  notUpdated: 'Not updated{since}: {message}',
  since: ' since {time}',
  noAnswer: 'no answer in {s} s',
  unreachable: 'the proxy cannot be reached',
  wrongToken: 'That is not the operator token. Enter it again.',
  staleToken: 'The operator token no longer opens the data: it was changed where the proxy runs. Enter the current one.',
  enterToken: 'Enter the operator token.',
  paused: ' · paused',
  durationMinutes: '{m} min',
  durationHours: '{h} h {m} min',
  durationDays: '{d} d {h} h',
  colon: ': ',
};

const zhCN: DashboardText = {
  title: 'carrier-verify · 监控',
  heading: '监控',
  intro: '本实例的验证流量，保留一小时。{demo}Prometheus：{metrics}',
  demoLink: '← 演示',
  language: '语言 {english}',
  window: '时间范围',
  minutes: '{n} 分钟',
  pause: '暂停',
  loading: '加载中…',
  tokenForm: '打开监控数据',
  tokenLabel: '运维令牌',
  tokenShow: '查看',
  closedRegion: '监控已关闭',
  closedNote:
    '本代理在生产环境运行且未设置运维令牌，因此监控数据不对任何人开放。请在其运行环境中设置 {variable}（至少 32 个字符，例如用 {command} 生成），重启代理后刷新本页。',
  totals: '时间范围内的合计',
  tileRequests: '请求',
  tileErrors: '错误（5xx）',
  tileRateLimited: '被限流',
  tileCache: '缓存命中率',
  tileBilled: '计费调用',
  tileCost: '费用',
  tileTokens: '令牌核对',
  chartKeys: '可用左右方向键及 Home、End 键逐点查看数值。',
  chartRequests: '按结果码统计的请求',
  chartLatency: '上游延迟（p50 实线，p95 虚线；对数刻度）',
  chartErrors: '错误与限流拒绝',
  chartCache: '结果缓存命中率',
  chartCost: '时间范围内的累计估算费用',
  perBar: '（每根柱子 {step}）',
  seconds: '{n} 秒',
  chartTable: '以表格查看数值',
  columnTime: '时间',
  providers: '服务商',
  columnProvider: '服务商',
  columnCircuit: '熔断器',
  columnCalls: '调用次数',
  columnFailed: '失败次数',
  budgets: '站点额度（每个时间窗口内的上游调用次数）',
  columnSite: '站点',
  columnUsed: '已用',
  columnResets: '距窗口结束',
  matched: '其中一致 {n} 次',
  ofRequests: '占请求的 {share}',
  limitNames: { ip: 'IP', 'ip-day': 'IP 每日', number: '手机号', name: '姓名', site: '站点额度' },
  lookUps: '{lookups} 次查找中命中 {hits} 次',
  perCall: '每次调用 {price}',
  estimated: '估算值',
  estimatedSandbox: '估算值：沙盒不收费',
  maybeBilled: '另有 {n} 次失败调用可能已计费，至多 {cost}',
  tokensAccepted: '通过 {n} 次',
  lastFailure: '最近一次：{what}，于 {time}',
  storeMayDrop: '共享存储（Redis）可能淘汰键：{warning}。已使用令牌的记录一旦被淘汰，该令牌可能再次被接受。',
  aside: '（{text}）',
  storeDown:
    '共享存储（Redis）自 {time} 起不可用{why}：各实例各自计算限流，结果缓存只能命中本实例见过的姓名与号码组合（其余会再次计费），恢复前 siteverify 一律返回 503。',
  codeMatch: '一致',
  codeMismatch: '不一致',
  codeNotFound: '无记录',
  codeGloss: {
    RATE_LIMITED: '限流',
    UPSTREAM_ERROR: '上游出错',
    UPSTREAM_TIMEOUT: '上游超时',
    SERVICE_UNAVAILABLE: '服务不可用',
    INTERNAL_ERROR: '内部错误',
    INVALID_NAME: '姓名无效',
    INVALID_PHONE: '手机号无效',
    INVALID_REQUEST: '请求无效',
    ORIGIN_NOT_ALLOWED: '来源未获允许',
    // siteverify's refusals, in the tokens tile.
    'timeout-or-duplicate': '已过期或已用过',
    'binding-mismatch': '姓名或号码不符',
    'invalid-input-response': '令牌无效',
    'missing-input-response': '缺少令牌',
    'invalid-input-secret': '密钥错误',
    'missing-input-secret': '缺少密钥',
    'bad-request': '请求无效',
    'rate-limited': '限流',
    'internal-error': '内部错误',
  },
  other: '其他',
  rateLimitRefusals: '限流拒绝',
  hitRate: '命中率',
  estimatedCost: '估算费用',
  emptyRequests: '此时间范围内没有验证请求',
  emptyLatency: '此时间范围内没有上游调用',
  emptyErrors: '此时间范围内没有错误或拒绝',
  emptyCache: '此时间范围内没有缓存查找',
  emptyCost: '此时间范围内没有计费调用',
  circuit: { closed: '正常', open: '熔断', 'half-open': '半开', off: '未启用', unknown: '未知' },
  updated: '更新于 {time}',
  instance: ' · 实例 {id}{was}，已统计 {duration}',
  instanceWas: '（此前为 {id}：实例已重启，或负载均衡切换到了另一实例）',
  notDrawn: '无法绘制：{message}',
  countingSince: '以下数据自 {time} 起，即本实例开始统计之时；此前的流量（其他实例的，或本实例重启前的）不在其中。',
  uncounted: '未统计',
  closed: '已关闭：未设置运维令牌',
  tokenNeeded: '需要运维令牌{since}',
  notUpdated: '未更新{since}：{message}',
  since: '（最后更新于 {time}）',
  noAnswer: '{s} 秒内没有响应',
  unreachable: '无法连接代理',
  wrongToken: '运维令牌不正确，请重新输入。',
  staleToken: '运维令牌已失效：代理的运行环境中已更换令牌，请输入新的令牌。',
  enterToken: '请输入运维令牌。',
  paused: ' · 已暂停',
  durationMinutes: '{m} 分钟',
  durationHours: '{h} 小时 {m} 分钟',
  durationDays: '{d} 天 {h} 小时',
  colon: '：',
};

const zhTW: DashboardText = {
  title: 'carrier-verify · 監控',
  heading: '監控',
  intro: '本執行個體的驗證流量，保留一小時。{demo}Prometheus：{metrics}',
  demoLink: '← 示範',
  language: '語言 {english}',
  window: '時間範圍',
  minutes: '{n} 分鐘',
  pause: '暫停',
  loading: '載入中…',
  tokenForm: '開啟監控資料',
  tokenLabel: '維運權杖',
  tokenShow: '檢視',
  closedRegion: '監控已關閉',
  closedNote:
    '本代理在正式環境執行且未設定維運權杖，因此監控資料不對任何人開放。請在其執行環境中設定 {variable}（至少 32 個字元，例如以 {command} 產生），重新啟動代理後重新整理本頁。',
  totals: '時間範圍內的合計',
  tileRequests: '請求',
  tileErrors: '錯誤（5xx）',
  tileRateLimited: '遭速率限制',
  tileCache: '快取命中率',
  tileBilled: '計費呼叫',
  tileCost: '費用',
  tileTokens: '權杖核對',
  chartKeys: '可用左右方向鍵及 Home、End 鍵逐點查看數值。',
  chartRequests: '依結果碼統計的請求',
  chartLatency: '上游延遲（p50 實線，p95 虛線；對數刻度）',
  chartErrors: '錯誤與速率限制拒絕',
  chartCache: '結果快取命中率',
  chartCost: '時間範圍內的累計預估費用',
  perBar: '（每條長條 {step}）',
  seconds: '{n} 秒',
  chartTable: '以表格檢視數值',
  columnTime: '時間',
  providers: '供應商',
  columnProvider: '供應商',
  columnCircuit: '斷路器',
  columnCalls: '呼叫次數',
  columnFailed: '失敗次數',
  budgets: '網站額度（每個時段內的上游呼叫次數）',
  columnSite: '網站',
  columnUsed: '已用',
  columnResets: '距時段結束',
  matched: '其中一致 {n} 次',
  ofRequests: '占請求的 {share}',
  limitNames: { ip: 'IP', 'ip-day': 'IP 每日', number: '手機號碼', name: '姓名', site: '網站額度' },
  lookUps: '{lookups} 次查詢中命中 {hits} 次',
  perCall: '每次呼叫 {price}',
  estimated: '預估值',
  estimatedSandbox: '預估值：沙盒不收費',
  maybeBilled: '另有 {n} 次失敗呼叫可能已計費，至多 {cost}',
  tokensAccepted: '通過 {n} 次',
  lastFailure: '最近一次：{what}，於 {time}',
  storeMayDrop: '共用儲存（Redis）可能逐出鍵：{warning}。已使用權杖的紀錄一旦被逐出，該權杖可能再次被接受。',
  aside: '（{text}）',
  storeDown:
    '共用儲存（Redis）自 {time} 起無法使用{why}：各執行個體各自計算速率限制，結果快取只能命中本執行個體見過的姓名與號碼組合（其餘會再次計費），恢復前 siteverify 一律回應 503。',
  codeMatch: '一致',
  codeMismatch: '不一致',
  codeNotFound: '無紀錄',
  codeGloss: {
    RATE_LIMITED: '速率限制',
    UPSTREAM_ERROR: '上游錯誤',
    UPSTREAM_TIMEOUT: '上游逾時',
    SERVICE_UNAVAILABLE: '服務無法使用',
    INTERNAL_ERROR: '內部錯誤',
    INVALID_NAME: '姓名無效',
    INVALID_PHONE: '手機號碼無效',
    INVALID_REQUEST: '請求無效',
    ORIGIN_NOT_ALLOWED: '來源未獲允許',
    // siteverify's refusals, in the tokens tile.
    'timeout-or-duplicate': '已過期或已使用',
    'binding-mismatch': '姓名或號碼不符',
    'invalid-input-response': '權杖無效',
    'missing-input-response': '缺少權杖',
    'invalid-input-secret': '密鑰錯誤',
    'missing-input-secret': '缺少密鑰',
    'bad-request': '請求無效',
    'rate-limited': '速率限制',
    'internal-error': '內部錯誤',
  },
  other: '其他',
  rateLimitRefusals: '速率限制拒絕',
  hitRate: '命中率',
  estimatedCost: '預估費用',
  emptyRequests: '此時間範圍內沒有驗證請求',
  emptyLatency: '此時間範圍內沒有上游呼叫',
  emptyErrors: '此時間範圍內沒有錯誤或拒絕',
  emptyCache: '此時間範圍內沒有快取查詢',
  emptyCost: '此時間範圍內沒有計費呼叫',
  circuit: { closed: '正常', open: '已跳脫', 'half-open': '半開', off: '未啟用', unknown: '未知' },
  updated: '更新於 {time}',
  instance: ' · 執行個體 {id}{was}，已統計 {duration}',
  instanceWas: '（先前為 {id}：執行個體已重新啟動，或負載平衡切換到另一個執行個體）',
  notDrawn: '無法繪製：{message}',
  countingSince: '以下資料自 {time} 起，即本執行個體開始統計之時；此前的流量（其他執行個體的，或本執行個體重新啟動前的）不在其中。',
  uncounted: '未統計',
  closed: '已關閉：未設定維運權杖',
  tokenNeeded: '需要維運權杖{since}',
  notUpdated: '未更新{since}：{message}',
  since: '（最後更新於 {time}）',
  noAnswer: '{s} 秒內沒有回應',
  unreachable: '無法連線到代理',
  wrongToken: '維運權杖不正確，請重新輸入。',
  staleToken: '維運權杖已失效：代理的執行環境中已更換權杖，請輸入新的權杖。',
  enterToken: '請輸入維運權杖。',
  paused: ' · 已暫停',
  durationMinutes: '{m} 分鐘',
  durationHours: '{h} 小時 {m} 分鐘',
  durationDays: '{d} 天 {h} 小時',
  colon: '：',
};

export const dashboardText: Record<Lang, DashboardText> = { 'zh-CN': zhCN, 'zh-TW': zhTW, en };
