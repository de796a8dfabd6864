// The trial page: fills the widget from the sandbox directory, logs every event, and shows the code to embed it.
import type { CarrierVerify } from '../widget/carrier-verify.js';
import { ClearedEvent, eventNames } from '../widget/events.js';
import { sandboxDirectory, sandboxFaults } from '../server/providers/sandbox-directory.js';
import { originAllowed, SANDBOX_SITE } from '../server/sites.js';
import { snippetIds, snippetsFor, type SnippetId } from './snippets.js';
import { tunnelAdvice } from './tunnel.js';
import { $ } from './dom.js';
import { pageText, type PageText } from './text.js';
import { fillIn, initialLang, recalled, remember, reveal, showPageWords, STORED_LANG } from './page-lang.js';
import { messages, type Lang } from '../widget/locales.js';

const widget = $<CarrierVerify>('#widget');

/** The language the page is shown in, the widget's included. */
let lang: Lang = 'en';
const text = (): PageText => pageText[lang];

interface Row {
  readonly phoneNumber: string;
  readonly name: string;
  /** The event and its code; `{after}` where the page says, in its language, when the answer comes. */
  readonly expect: string;
}

const rows: Row[] = [
  ...sandboxDirectory.map((entry) => ({ ...entry, expect: 'cv-verified (FP00000)' })),
  { phoneNumber: sandboxDirectory[0]!.phoneNumber, name: '李四', expect: 'cv-mismatch (FP03333)' },
  { phoneNumber: '13900139000', name: '张三', expect: 'cv-not-found (KYC1101)' },
  { phoneNumber: sandboxFaults.serverError, name: '张三', expect: 'cv-error (UPSTREAM_ERROR)' },
  { phoneNumber: sandboxFaults.noAnswer, name: '张三', expect: 'cv-error (UPSTREAM_TIMEOUT, {after})' },
  { phoneNumber: '12345678901', name: '张三', expect: 'cv-invalid (phone, not-mobile)' },
  { phoneNumber: '13800138000', name: 'Zhang San', expect: 'cv-invalid (name, bad-character)' },
];

/**
 * One row a directory entry. The number is a button, so the row is reached and used by keyboard and named to a
 * screen reader as what it does; a press anywhere else on the row fills the widget too.
 */
function renderDirectory(): void {
  const body = $<HTMLTableSectionElement>('#directory tbody');
  for (const row of rows) {
    const tr = document.createElement('tr');
    const fill = () => {
      widget.fill({ name: row.name, phoneNumber: row.phoneNumber });
      widget.focus();
    };
    const button = document.createElement('button');
    button.type = 'button';
    button.className = 'fill';
    button.textContent = row.phoneNumber;
    const number = document.createElement('td');
    number.append(button);
    tr.append(number);
    // A name in Chinese is marked so, to get Chinese glyphs and a Chinese voice from a screen reader (not the row in
    // Latin letters); kept on one line.
    const name = document.createElement('td');
    if (/\p{Script=Han}/u.test(row.name)) name.lang = 'zh-CN';
    name.className = 'name';
    name.textContent = row.name;
    const expect = document.createElement('td');
    expect.className = 'expect';
    tr.append(name, expect);
    // The button fills on its own click (a press, Enter or Space); the rest of the row is a larger target for a pointer.
    tr.addEventListener('click', fill);
    body.append(tr);
  }
}

/** The directory's words in the page's language: each row's button name, and how long an answer takes. */
function labelDirectory(): void {
  const rowsShown = document.querySelectorAll<HTMLTableRowElement>('#directory tbody tr');
  rows.forEach((row, index) => {
    const tr = rowsShown[index]!;
    tr.querySelector('button')!.setAttribute('aria-label', fillIn(text().fillRow, { phone: row.phoneNumber, name: row.name }));
    tr.querySelector('.expect')!.textContent = fillIn(row.expect, { after: text().afterTimeout });
  });
}

/** Shortens a token for display: the log shows its shape, not something to copy and replay. */
function displayDetail(detail: unknown): string {
  return JSON.stringify(
    detail,
    (key, value: unknown) => (key === 'token' && typeof value === 'string' ? `${value.slice(0, 16)}…(${value.length} chars)` : value),
    2,
  );
}

function logEvent(type: string, detail: unknown): void {
  const item = document.createElement('li');
  item.dataset.event = type;
  const title = document.createElement('strong');
  title.textContent = `${new Date().toLocaleTimeString(lang)} ${type}`;
  const pre = document.createElement('pre');
  pre.textContent = displayDetail(detail);
  item.append(title, pre);
  const log = $<HTMLElement>('#log');
  log.prepend(item);
  // A stop for the keyboard once there is something to read and scroll: empty, it would take the focus out of sight.
  log.tabIndex = 0;
}

/**
 * Opened at an address other than localhost (a remote dev box, a container, another machine on the network), the
 * page's requests are refused: the sandbox site allows localhost origins only. The page says so, and how to open
 * it at localhost: at once, for a host the sandbox site allows no page of, and whenever the proxy refuses it.
 */
function showOriginHelp(): void {
  const tunnel = tunnelAdvice(location);
  $('#origin-help-origin').textContent = location.origin;
  $('#origin-help-tunnel').textContent = tunnel.command;
  $('#origin-help-local').textContent = tunnel.url;
  $<HTMLElement>('#origin-help').hidden = false;
}
widget.addEventListener('cv-error', (event) => {
  if (event.detail.code === 'ORIGIN_NOT_ALLOWED') showOriginHelp();
});
if (!originAllowed(SANDBOX_SITE, location.origin)) showOriginHelp();

// The outcomes, and cv-cleared when a token is dropped (a row filled over a verified pair, Change, expiry).
for (const type of [...eventNames, ClearedEvent.eventName] as const) {
  widget.addEventListener(type, (event) => logEvent(type, event.detail));
}
$('#clear-log').addEventListener('click', () => {
  const log = $('#log');
  log.replaceChildren();
  log.removeAttribute('tabindex');
});

const langSelect = $<HTMLSelectElement>('#lang');
const themeSelect = $<HTMLSelectElement>('#theme');

/** The whole page in the language chosen: its own words, the widget, the log's times, the button a help names. */
function applyLang(): void {
  lang = langSelect.value as Lang;
  widget.lang = lang;
  showPageWords(lang, text());
  if (formSaid) $('#form-output').textContent = formSaid();
  const label = $<HTMLElement>('#verify-label');
  label.textContent = messages[lang].verify;
  label.lang = lang;
  // The Chinese name of the check, in the script the page is read in (Traditional on the zh-TW page).
  const term = $<HTMLElement>('[data-slot="term"]');
  term.textContent = text().term;
  term.lang = lang === 'zh-TW' ? 'zh-TW' : 'zh-CN';
  labelDirectory();
}
function applyTheme(): void {
  const theme = themeSelect.value as CarrierVerify['theme'];
  widget.theme = theme;
  document.documentElement.dataset.theme = theme;
}
const requiredBox = $<HTMLInputElement>('#required');
const disabledBox = $<HTMLInputElement>('#disabled');
/** The attributes a page sets on the element, as the boxes say: try `required` with the form, `disabled` with the rows. */
function applyAttributes(): void {
  widget.required = requiredBox.checked;
  widget.disabled = disabledBox.checked;
}
requiredBox.addEventListener('change', applyAttributes);
disabledBox.addEventListener('change', applyAttributes);

/** The switches' choices are kept for the next visit (the language's for the dashboard too). */
const STORED = { lang: STORED_LANG, theme: 'carrier-verify-demo:theme' } as const;
langSelect.addEventListener('change', () => {
  remember(STORED.lang, langSelect.value);
  applyLang();
});
themeSelect.addEventListener('change', () => {
  remember(STORED.theme, themeSelect.value);
  applyTheme();
});

/**
 * The choices a visitor made before, else the browser's first Chinese language (Traditional for Taiwan, Hong Kong
 * and Macau), else Simplified Chinese, the widget's own default, and the system's theme. English is a choice of
 * the switch: the demo shows the widget as the Chinese sites it is made for show it.
 */
function restoreSwitches(): void {
  langSelect.value = initialLang((matched) => matched.find((match) => match !== 'en') ?? 'zh-CN');
  const storedTheme = recalled(STORED.theme);
  if (storedTheme && Array.from(themeSelect.options, (option) => option.value).includes(storedTheme)) themeSelect.value = storedTheme;
}
// A browser may give the switches back the choices made before the page was left (Back without the back/forward
// cache, a restored tab): the widget and the page take them as they are shown, at load and whenever shown again.
function applySwitches(): void {
  applyLang();
  applyTheme();
  applyAttributes();
}
addEventListener('pageshow', applySwitches);

/**
 * What a site's backend does with the form: post the token and the pair to siteverify with the site's secret. On
 * this page that secret is the sandbox site's public one; a real site's stays on its server. A token is good once:
 * submitting the same one again shows the refusal a replay gets.
 */
/** Where siteverify is, as a backend would name it: under the prefix the app is mounted at, if any. */
const siteverifyPath = new URL('api/siteverify', document.baseURI).pathname;

/** What siteverify answered, shown whole, and its verdict in a few words: its errors, or none for a yes. */
async function checkAsBackend(token: string, name: string, phoneNumber: string): Promise<{ shown: string; errors: string | null }> {
  try {
    const response = await fetch('api/siteverify', {
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ secret: SANDBOX_SITE.secret, token, name, phoneNumber }),
    });
    const body = (await response.json()) as { success?: boolean; errors?: string[] };
    return { shown: `POST ${siteverifyPath} → ${response.status}\n${JSON.stringify(body, null, 2)}`, errors: body.success === true ? null : (body.errors ?? []).join(', ') };
  } catch (error) {
    const why = error instanceof Error ? error.message : String(error);
    return { shown: `POST ${siteverifyPath}: ${why}`, errors: why };
  }
}

let submission = 0;
/** What the page says of the latest submission, in the language shown: said again when the language changes. */
let formSaid: (() => string) | undefined;
$<HTMLFormElement>('#signup').addEventListener('submit', (event) => {
  event.preventDefault();
  const form = new FormData(event.target as HTMLFormElement);
  const token = form.get('carrier-verify-token');
  const name = String(form.get('real_name'));
  const phoneNumber = String(form.get('mobile'));
  const said = $('#form-output');
  const answer = $('#form-output-answer');
  if (typeof token !== 'string') {
    // A disabled control is no part of its form: it posts nothing and `required` does not hold the form back.
    formSaid = () => (widget.disabled ? text().disabledPostsNothing : text().noToken);
    said.textContent = formSaid();
    answer.textContent = '';
    return;
  }
  const posted = () => fillIn(text().wouldPost, { chars: String(token.length), name, phone: phoneNumber });
  formSaid = posted;
  said.textContent = formSaid();
  answer.textContent = '…';
  const mine = ++submission;
  void checkAsBackend(token, name, phoneNumber).then(({ shown, errors }) => {
    if (mine !== submission) return;
    answer.textContent = shown;
    // The verdict in a few words, in the status a screen reader speaks; the whole answer stays below, not spoken.
    // Chinese runs on after its colon without a space.
    formSaid = () => `${posted()}${lang === 'en' ? ' ' : ''}${errors === null ? text().backendYes : fillIn(text().backendNo, { errors })}`;
    said.textContent = formSaid();
  });
});
// A token dropped (Change, a row filled over a verified pair, expiry) takes what was said of it along.
widget.addEventListener(ClearedEvent.eventName, () => {
  submission += 1;
  formSaid = undefined;
  $('#form-output').textContent = '';
  $('#form-output-answer').textContent = '';
});

const tabs = Array.from(document.querySelectorAll<HTMLButtonElement>('[data-snippet]'));

/** The code names this proxy where the page found it: its origin, and the prefix the app is mounted at. */
const snippets = snippetsFor(new URL('.', document.baseURI).href);

function showSnippet(id: SnippetId): void {
  $('#snippet').textContent = snippets[id];
  for (const tab of tabs) {
    const selected = tab.dataset.snippet === id;
    tab.setAttribute('aria-selected', String(selected));
    tab.tabIndex = selected ? 0 : -1;
    if (selected) $('#snippet-panel').setAttribute('aria-labelledby', tab.id);
  }
}
tabs.forEach((tab, index) => {
  tab.addEventListener('click', () => showSnippet(tab.dataset.snippet as SnippetId));
  // Arrow keys move between tabs, Home and End to the first and the last, as in any tab list.
  tab.addEventListener('keydown', (event) => {
    const to = { ArrowRight: index + 1, ArrowLeft: index - 1, Home: 0, End: tabs.length - 1 }[event.key];
    if (to === undefined) return;
    event.preventDefault();
    const next = tabs[(to + tabs.length) % tabs.length]!;
    next.focus();
    showSnippet(next.dataset.snippet as SnippetId);
  });
});

/** The timer that clears the copy's status: each copy's message stays its full 2 s. */
let copyStatusTimer: ReturnType<typeof setTimeout> | undefined;
$('#copy').addEventListener('click', async () => {
  const status = $('#copy-status');
  clearTimeout(copyStatusTimer);
  try {
    await navigator.clipboard.writeText($('#snippet').textContent ?? '');
    status.textContent = text().copied;
  } catch {
    // No clipboard (an insecure origin, a denied permission): select the code for the person to copy.
    getSelection()?.selectAllChildren($('#snippet'));
    status.textContent = fillIn(text().selected, { keys: /Mac|iPhone|iPad/.test(navigator.platform) ? '⌘C' : 'Ctrl+C' });
  }
  copyStatusTimer = setTimeout(() => (status.textContent = ''), 2000);
});

renderDirectory();
showSnippet(snippetIds[0]);
restoreSwitches();
applySwitches();
reveal();
