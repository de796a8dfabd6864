// <carrier-verify>: checks a name and a Chinese mobile number, asks the proxy whether they match, and reports the outcome.
import { html, LitElement, nothing, type TemplateResult } from 'lit';
import { cancelledOutcome, errorOutcome, postVerify, type Outcome } from './client.js';
import { ClearedEvent, InvalidEvent, MismatchEvent, NotFoundEvent, VerifiedEvent, VerifyErrorEvent, type ClearedReason, type ErrorDetail } from './events.js';
import { Countdown } from './internal/countdown.js';
import { onPageLangChange, pageLang } from './internal/page-lang.js';
import { matchLang, messages, type Lang, type Messages } from './locales.js';
import { editPhoneInput, formatPhoneInput, pastePhoneInput, typedSegment } from './phone-input.js';
import { styles } from './styles.js';
import { tokenLifetime } from './token.js';
import { checkName, checkPhone, checkRequest, normalizePhone, type Field, type NameReason, type PhoneCheck, type RequestCheck } from './validation.js';

/** Where a verification stands. */
export type Status = 'idle' | 'invalid' | 'verifying' | 'verified' | 'mismatch' | 'not-found' | 'error';

/** A verification under way: its request to cancel, the promise every verify() call meanwhile returns, its end. */
type Attempt = { controller: AbortController; promise: Promise<Outcome>; end: (outcome: Outcome, shown?: boolean) => void };

/**
 * The properties a page or a framework sets (React's props, Vue's attributes). `lang` takes any language tag, as
 * the element does (`zh-HK`, `en-GB`, an i18n library's current language): the three it speaks are suggested.
 */
export type SettableProperties = Partial<
  Pick<CarrierVerify, 'endpoint' | 'siteKey' | 'name' | 'required' | 'disabled' | 'theme' | 'privacyPolicy' | 'nameField' | 'phoneField'> & {
    lang: Lang | (string & {});
  }
>;

/** The name and number a token was issued for, normalised as the proxy checked them. */
export interface VerifiedPair {
  readonly name: string;
  /** The 11 national digits. */
  readonly phoneNumber: string;
}

type Tone = 'success' | 'error' | 'warning' | 'info' | 'busy';

/** Statuses left as soon as the person edits a field: the outcome no longer describes what is typed. */
const STALE_ON_EDIT: ReadonlySet<Status> = new Set(['invalid', 'mismatch', 'not-found', 'error']);

/**
 * The attribute names a server renderer writes for camelCase props: React renders `siteKey="…"` as an attribute
 * named so, which HTML lower-cases to `sitekey`, and a page hydrated from it never sets the property. Each is read
 * as the attribute it stands for.
 */
const RENDERED_ATTRIBUTES: Readonly<Record<string, string>> = { sitekey: 'site-key', privacypolicy: 'privacy-policy', namefield: 'name-field', phonefield: 'phone-field' };

/** The pinned defaults of `endpoint` and `name`, which an unset attribute or binding falls back to. */
const DEFAULT_ENDPOINT = '/api/verify';
const DEFAULT_FIELD_NAME = 'carrier-verify-token';
/**
 * How long after an answer from the proxy the person's own submission of the same fields is ignored, in ms: the
 * second click of a double click, or a tap repeated on a slow phone, lands on the button as the answer comes back,
 * and would be another attempt with the same answer (or, after an error, another call). Fields changed since (a
 * pair filled in by the page) are a new attempt at once.
 */
const ANSWER_SETTLE_MS = 500;
/**
 * A privacy policy address the notice links: http(s), or relative (no scheme before its first `/`, `?` or `#`). Any
 * other scheme, `javascript:` first (a script run in the page by a press on the notice), gets no link.
 */
const LINKABLE = /^(https?:|[^:]*([/?#]|$))/i;
/** What a press inside the element is left to the browser on: its own controls and links. */
const PRESSABLE = 'input, button, a[href], [tabindex]';

/**
 * Checks that a name matches the real-name registration of a Chinese mobile number (运营商二要素).
 *
 * The name and the number are checked in the browser first; only a valid pair is posted to the proxy at
 * `endpoint`. On a match the proxy returns a signed single-use token, which the element exposes as `token`
 * and as its form value under `name`, for the site's backend to check with `/api/siteverify`.
 *
 * @fires cv-verified - The name matches the number (`FP00000`). Detail: `{ code, message, token, carrier, phoneMasked }`.
 * @fires cv-mismatch - The name does not match the number (`FP03333`). Detail: `{ code, message }`.
 * @fires cv-not-found - The carrier has no record of the number (`KYC1101`). Detail: `{ code, message }`.
 * @fires cv-invalid - A client-side check failed and nothing was sent. Detail: `{ field, reason }`.
 * @fires cv-error - Network failure, proxy error or rate limit. Detail: `{ code, message, retryable, retryAfter?, limit? }`.
 * @fires cv-cleared - The token was dropped (expired, Change pressed, the page's `reset()`, `fill()` or `verify()`, the
 *   page come back from the back/forward cache, or another `site-key` or `endpoint`); not an outcome of an attempt.
 *   Detail: `{ reason }`.
 *
 * @attr {string | undefined} sitekey - `site-key` as a server renderer writes the `siteKey` prop (React's, lower-cased
 *   by HTML): read as `site-key`, so that a hydrated page keeps it.
 * @attr {string | undefined} privacypolicy - `privacy-policy` as a server renderer writes the `privacyPolicy` prop.
 * @attr {string | undefined} namefield - `name-field` as a server renderer writes the `nameField` prop.
 * @attr {string | undefined} phonefield - `phone-field` as a server renderer writes the `phoneField` prop.
 *
 * @slot privacy - Replaces the link to the site's privacy policy in the notice under the form.
 *
 * @csspart form - The box around everything: the fields, the buttons, the message and the notice.
 * @csspart field - Each field with its label, hint and error.
 * @csspart name-field - The name field with its label, hint and error.
 * @csspart phone-field - The number field with its label, carrier hint and error.
 * @csspart label - The labels.
 * @csspart input - Both text inputs.
 * @csspart name-input - The name input.
 * @csspart phone-input - The number input.
 * @csspart invalid - The input of a field that is wrong, beside `input`: for a site that styles its own inputs to mark it.
 * @csspart hint - The carrier hint under the number; also named for its tone while it says something, as below.
 * @csspart hint-info - The carrier hint while it names the carrier.
 * @csspart hint-warning - The carrier hint while it says the segment cannot be verified (data-only, IoT…).
 * @csspart name-hint - What the name must be, under its field (the one registered for the number); an error takes its place.
 * @csspart error - The reason shown under a field that is wrong.
 * @csspart button - The verify button.
 * @csspart change-button - The button that unlocks the fields after a verification.
 * @csspart retry-button - The button that tries again after an error; it counts down while a rate limit lasts.
 * @csspart message - The outcome message, a polite live region, also named for its tone, as below (`message-busy` while
 *   verifying: "Verifying…", shown and announced).
 * @csspart message-success - The outcome message, verified.
 * @csspart message-error - The outcome message, a mismatch, a number not found or an error.
 * @csspart message-warning - The outcome message, a rate limit's wait or a token expired.
 * @csspart message-info - The outcome message, with nothing to report.
 * @csspart message-busy - The outcome message while verifying.
 * @csspart privacy - The privacy notice.
 *
 * @cssstate idle - `status` is `idle`: nothing to report yet, or the person is editing. One custom state per
 *   `status`, for styles around the element such as `carrier-verify:state(verified)`.
 * @cssstate invalid - `status` is `invalid`: a field is wrong and nothing was sent.
 * @cssstate verifying - `status` is `verifying`: the pair is with the proxy.
 * @cssstate verified - `status` is `verified`: the name matches the number and `token` is set.
 * @cssstate mismatch - `status` is `mismatch`: the name does not match the number.
 * @cssstate not-found - `status` is `not-found`: the carrier has no record of the number.
 * @cssstate error - `status` is `error`: the network, the proxy or a rate limit stopped the verification.
 *
 * @cssprop --cv-font - Font family (default: the page's).
 * @cssprop [--cv-font-size=1rem] - Base font size (below 16px, iOS zooms into a focused field).
 * @cssprop [--cv-radius=8px] - Corner radius of the box.
 * @cssprop [--cv-field-radius=6px] - Corner radius of the inputs and the buttons.
 * @cssprop [--cv-gap=12px] - Space between the parts.
 * @cssprop [--cv-padding=16px] - Space inside the box. 12px on screens up to 360px wide.
 * @cssprop [--cv-bg=#fff] - Background of the box. Dark theme: `#161b22`.
 * @cssprop [--cv-fg=#1f2328] - Text colour. Dark theme: `#e6edf3`.
 * @cssprop [--cv-muted=#59636e] - Colour of hints and the notice. Dark theme: `#9198a1`.
 * @cssprop [--cv-border=#8c959f] - Border colour. Dark theme: `#656c76`.
 * @cssprop [--cv-field-bg=#fff] - Background of the inputs. Dark theme: `#0d1117`.
 * @cssprop [--cv-accent=#0b63ce] - Button and link colour. Dark theme: `#4493f8`.
 * @cssprop [--cv-accent-fg=#fff] - Text colour on the button. Dark theme: `#0d1117`.
 * @cssprop [--cv-focus=#0b63ce] - Focus ring colour. Dark theme: `#4493f8`.
 * @cssprop [--cv-error=#c62828] - Colour of errors. Dark theme: `#ff7b72`.
 * @cssprop [--cv-success=#1a7f37] - Colour of the verified message. Dark theme: `#3fb950`.
 * @cssprop [--cv-warning=#8a5c00] - Colour of warnings such as rate limits. Dark theme: `#d29922`.
 */
export class CarrierVerify extends LitElement {
  static override styles = styles;
  static override shadowRootOptions: ShadowRootInit = { ...LitElement.shadowRootOptions, delegatesFocus: true };
  static formAssociated = true;
  /**
   * How long a verification waits for the proxy, in ms, before it ends in `cv-error` `NETWORK_ERROR`; for every
   * element of the page. Longer than the proxy's own deadline (twice its longest provider timeout) with provider
   * timeouts up to 15 s; a proxy given longer ones needs a longer wait here, or the widget gives up on a call that
   * may still be billed.
   */
  static timeout = 30_000;

  static override properties = {
    endpoint: { type: String },
    siteKey: { type: String, attribute: 'site-key' },
    lang: { type: String, noAccessor: true },
    // Its own accessor: the default is no attribute of the element's own making (React's hydration would see one).
    name: { type: String, noAccessor: true },
    required: { type: Boolean, reflect: true },
    // Its own accessor: the attribute changes with the property at once, so the form's view of it never lags.
    disabled: { type: Boolean, noAccessor: true },
    theme: { type: String, reflect: true },
    privacyPolicy: { type: String, attribute: 'privacy-policy' },
    nameField: { type: String, attribute: 'name-field' },
    phoneField: { type: String, attribute: 'phone-field' },
    _status: { state: true },
    _nameValue: { state: true },
    _phoneValue: { state: true },
    _nameError: { state: true },
    _phoneError: { state: true },
    _notice: { state: true },
    _error: { state: true },
    _formDisabled: { state: true },
  };

  static override get observedAttributes(): string[] {
    return [...super.observedAttributes, ...Object.keys(RENDERED_ATTRIBUTES)];
  }

  override attributeChangedCallback(name: string, old: string | null, value: string | null): void {
    super.attributeChangedCallback(RENDERED_ATTRIBUTES[name] ?? name, old, value);
  }

  /** The proxy's verify URL. */
  declare endpoint: string;
  /** Public key of the embedding site, sent with each request. */
  declare siteKey: string | undefined;
  #lang: string | undefined;
  /**
   * Language of the widget: `zh-CN`, `zh-TW` or `en` (`zh-HK`, `zh-Hant`, `en-GB`… are matched to these).
   * Without one, the nearest `lang` in the page, else `zh-CN`; reading it gives the language in use. Set, the
   * attribute follows.
   * @reflect
   */
  override get lang(): Lang {
    return matchLang(this.#lang) ?? pageLang(this);
  }
  override set lang(value: string) {
    const old = this.lang;
    this.#lang = value;
    // As any element's: the attribute says it too (a page's `:lang()` rules; Vue sets `lang` as the property).
    this.#write('lang', value);
    this.requestUpdate('lang', old);
  }
  /**
   * Name of the form field that carries the token. Set, the attribute follows.
   * @attr name
   * @reflect
   * @default 'carrier-verify-token'
   */
  get name(): string {
    return this.getAttribute('name') || DEFAULT_FIELD_NAME;
  }
  set name(value: string) {
    const old = this.name;
    this.#write('name', value);
    this.requestUpdate('name', old);
  }
  /**
   * A property's attribute, as the page set the property; unset (`null`, `undefined`: React's binding of a prop it
   * no longer has), the attribute goes, and the default holds.
   */
  #write(attribute: string, value: string | null | undefined): void {
    if (value == null) this.removeAttribute(attribute);
    else if (this.getAttribute(attribute) !== value) this.setAttribute(attribute, value);
  }
  /** Whether the form is invalid until the pair is verified. */
  declare required: boolean;
  /**
   * Whether the widget is disabled. Set, the attribute follows at once (not at the next render), so that
   * `disabled = false` then `verify()` in one go works.
   * @reflect
   * @default false
   */
  get disabled(): boolean {
    return this.#disabled;
  }
  set disabled(value: boolean) {
    // Also reached from the attribute, once it has changed: the old value is the field's, not the attribute's.
    const old = this.#disabled;
    this.#disabled = Boolean(value);
    this.toggleAttribute('disabled', this.#disabled);
    this.requestUpdate('disabled', old);
  }
  #disabled = false;
  /** Colour theme: `light` (default), `dark`, or `auto` to follow `prefers-color-scheme`. */
  declare theme: 'light' | 'dark' | 'auto' | undefined;
  /** URL of the site's privacy policy, linked from the notice: http(s) or relative (another scheme, `javascript:` say, is not linked). */
  declare privacyPolicy: string | undefined;
  /**
   * Form field that carries the verified name, normalised as the proxy checked it, beside the token: what the
   * site's backend hands siteverify to bind the token to the pair. None by default: only the token is submitted.
   */
  declare nameField: string | undefined;
  /** Form field that carries the verified number, its 11 digits, beside the token. None by default. */
  declare phoneField: string | undefined;

  declare private _status: Status;
  declare private _nameValue: string;
  declare private _phoneValue: string;
  declare private _nameError: NameReason | null;
  declare private _phoneError: Extract<PhoneCheck, { ok: false }> | null;
  /** A message that outlives the status it follows: the token has expired. */
  declare private _notice: 'expired' | null;
  /** The error of the last attempt, kept rather than its text so that a change of language re-words it. */
  declare private _error: ErrorDetail | null;
  declare private _formDisabled: boolean;

  readonly #internals: ElementInternals | null;
  #token: string | null = null;
  #pair: VerifiedPair | null = null;
  /**
   * The attempt under way. `end` is the one way it ends, answered or cancelled, once whoever ends it has taken it
   * out of here (so it ends once): it fires the outcome's event and resolves the promise with that same outcome,
   * so that what the page awaits and what it heard always agree (`shown: false` for a cancellation, which leaves
   * the element as the page has just made it).
   */
  #inFlight: Attempt | null = null;
  #expiryTimer: ReturnType<typeof setTimeout> | undefined;
  /** When the token runs out, by the device's clock, which goes on while the device sleeps; timers may not. */
  #expiresAt = Infinity;
  readonly #retryCountdown = new Countdown(this);
  /** Numbers whose names the proxy said are spent (429 `limit: "number"`): when each one's wait ends, and its refusal. */
  readonly #spent = new Map<string, { readonly until: number; readonly error: ErrorDetail }>();
  /** When the last answer from the proxy was shown (performance.now()), and for what the fields held: see ANSWER_SETTLE_MS. */
  #answeredAt = -Infinity;
  #answeredFields = '';
  /** Refusals so far: each renders its errors afresh, so that a repeated one is spoken again (see #afresh). */
  #refusals = 0;
  /** Submissions a rate limit's wait held back: each renders the wait afresh, so that it is spoken again. */
  #heldBack = 0;
  #shownLang: Lang | undefined;
  #stopWatchingLang: (() => void) | undefined;
  #replacedSelection = false;
  /** The number field's text and selection just before the latest paste, for an undo of that paste. */
  #beforePaste?: readonly [value: string, start: number, end: number];
  /** A field's blur waiting for the key or press that moved the focus to be up (see #onBlur). */
  #blurWait: AbortController | undefined;
  /** The field whose error is read out as the focus moves to it, rather than by its live region (see #focusWrong). */
  #quiet: Field | null = null;

  constructor() {
    super();
    this.endpoint = DEFAULT_ENDPOINT;
    this.required = false;
    this._status = 'idle';
    this._nameValue = '';
    this._phoneValue = '';
    this._nameError = null;
    this._phoneError = null;
    this._notice = null;
    this._error = null;
    this._formDisabled = false;
    this.#internals = typeof this.attachInternals === 'function' ? this.attachInternals() : null;
  }

  /** Where the verification stands. */
  get status(): Status {
    return this._status;
  }

  /**
   * The token of the last successful verification, or null; null too once its time is up, though no timer has said
   * so yet (the element out of the page, or the device asleep).
   */
  get token(): string | null {
    return Date.now() < this.#expiresAt ? this.#token : null;
  }

  /** The pair the token was issued for, as siteverify's binding wants it; null while there is no token. */
  get verifiedPair(): VerifiedPair | null {
    return this.token ? this.#pair : null;
  }

  /** The form this element belongs to, if any. */
  get form(): HTMLFormElement | null {
    return this.#internals?.form ?? null;
  }

  /** Whether the element meets its constraints (`required` and not yet verified fails). */
  checkValidity(): boolean {
    return this.#internals?.checkValidity() ?? true;
  }

  /** Like `checkValidity()`, and shows the browser's message when it fails. */
  reportValidity(): boolean {
    return this.#internals?.reportValidity() ?? true;
  }

  /**
   * The element's constraints as every form control has them (`valueMissing` while `required` and not yet
   * verified), for code that walks a form's `elements` and reads each one's `validity.valid`.
   */
  get validity(): ValidityState | undefined {
    return this.#internals?.validity;
  }

  /** The message the browser shows for a failed constraint. */
  get validationMessage(): string {
    return this.#internals?.validationMessage ?? '';
  }

  get #t(): Messages {
    return messages[this.lang];
  }

  get #locked(): boolean {
    return this._status === 'verified' || this._status === 'verifying';
  }

  get #isDisabled(): boolean {
    return this.disabled || this._formDisabled;
  }

  /** Whether a submission from the form is ignored: disabled, busy, verified, or waiting out a rate limit. */
  get #blocked(): boolean {
    return this.#isDisabled || this.#locked || this.#waiting;
  }

  /** Whether a rate limit's wait holds for the fields as they are: for any pair, or, after a number's own limit, for that number. */
  get #waiting(): boolean {
    return this.#retryCountdown.running && (!this.#numberWait || !!this.#spentHere);
  }

  /**
   * Whether the running countdown is a number's own wait, which holds for that number only. While a countdown runs
   * the status is the refusal that started it (no edit makes it stale), so its detail says which limit it was.
   */
  get #numberWait(): boolean {
    return this._error?.limit === 'number';
  }

  /** The number in the field, when its names are spent and its wait is not over. */
  get #spentHere() {
    // Asked on each keystroke: nothing to normalise while no number is spent.
    const held = this.#spent.size ? this.#spent.get(normalizePhone(this._phoneValue) ?? '') : undefined;
    return held && held.until > Date.now() ? held : undefined;
  }

  /**
   * Checks both fields, posts them to the proxy and resolves with the outcome; fires exactly one of the
   * `cv-*` events. While a verification is under way, a second call returns the same attempt. While the element
   * is disabled (its attribute, or a disabled fieldset), or out of the document (taken away, or not yet put in),
   * nothing is checked, sent or fired: the promise rejects with an `InvalidStateError` DOMException, as the
   * platform's own controls refuse calls they cannot take. (A `cv-error` listener that verifies again when the
   * element is taken out would otherwise post from an element no one sees.)
   */
  verify(): Promise<Outcome> {
    if (this.#inFlight) return this.#inFlight.promise;
    if (!this.isConnected || this.#isDisabled) {
      return Promise.reject(new DOMException(`<carrier-verify> is ${this.isConnected ? 'disabled' : 'not in the document'}`, 'InvalidStateError'));
    }
    // A new attempt replaces the verified pair, even one refused before it is sent: no status but verified holds a
    // token. Then it starts over, since a cv-cleared listener may have changed what was checked above: started an
    // attempt of its own (joined), disabled the element or taken it out (refused).
    if (this.#token) {
      this.#clearToken('verify');
      return this.verify();
    }
    this.#adopt();
    // What is about to be posted goes through the proxy's own check: the zod/mini schema of each field, then the name, then the number.
    const request = checkRequest({ name: this._nameValue, phoneNumber: this._phoneValue, siteKey: this.siteKey || undefined });
    if (!request.ok) return Promise.resolve(this.#settle(this.#refusal(request)));
    this._nameError = null;
    this._phoneError = null;
    this.#show('verifying');
    this.#retryCountdown.stop();
    const controller = new AbortController();
    // A proxy that never answers (a stalled network, a load balancer holding the request) ends as NETWORK_ERROR:
    // fetch rejects with this reason, not with an AbortError (its text would be read by no one: the event words it).
    const timer = setTimeout(() => controller.abort(new DOMException('', 'TimeoutError')), CarrierVerify.timeout);
    const body = { name: request.name, phoneNumber: request.phoneNumber, ...(request.siteKey ? { siteKey: request.siteKey } : {}) };
    this.#sentWith = this.#settings;
    let resolve!: (outcome: Outcome) => void;
    const promise = new Promise<Outcome>((settle) => (resolve = settle));
    const attempt = {
      controller,
      promise,
      end: (outcome: Outcome, shown = true) => {
        clearTimeout(timer);
        resolve(this.#settle(outcome, shown));
      },
    };
    this.#inFlight = attempt;
    // An endpoint unset by script or a framework binding falls back to the default rather than posting to "/undefined".
    // The answer to an attempt already cancelled is dropped: its promise resolved with the cancellation's outcome.
    void postVerify(this.endpoint || DEFAULT_ENDPOINT, body, controller.signal).then((outcome) => {
      if (this.#inFlight !== attempt) return;
      this.#inFlight = null;
      this.#answeredAt = performance.now();
      this.#answeredFields = this.#fields;
      this.#pair = Object.freeze({ name: body.name, phoneNumber: body.phoneNumber });
      attempt.end(outcome);
    });
    return promise;
  }

  /**
   * Why a request is not sent. Each field shows what is wrong with it, and the first wrong one (the name before
   * the number, as the proxy checks them) is the `cv-invalid` detail. A request of the wrong shape (a property
   * set to a non-string from script) is what the proxy would refuse as `INVALID_REQUEST`.
   */
  #refusal(request: Extract<RequestCheck, { ok: false }>): Outcome {
    this._nameError = this._phoneError = null;
    if (request.field === null) return errorOutcome('INVALID_REQUEST', 'The name, number and site key must be strings');
    this.#check('name');
    this.#check('phone');
    this.#refusals += 1;
    this.requestUpdate();
    const { ok: _, ...detail } = request;
    return { status: 'invalid', detail };
  }

  /**
   * Takes the text the fields show as theirs, should it have been put there without an input event (an autofill or
   * an extension's fill): it is what is checked and sent. Not with a render to come: the fields then show the text
   * from before fill(), and that render's is the one.
   */
  #adopt(): void {
    const [name, phone] = this.isUpdatePending ? [] : this.renderRoot.querySelectorAll('input');
    if (name) this._nameValue = name.value;
    if (phone && phone.value !== this._phoneValue) this._phoneValue = formatPhoneInput(phone.value, 0).value;
  }

  /** Shows what is wrong with a field as it stands; one its check passes keeps what it shows (the proxy's refusal, say). */
  #check(field: Field): void {
    if (field === 'name') {
      const name = checkName(this._nameValue);
      if (!name.ok) this._nameError = name.reason;
    } else {
      const phone = checkPhone(this._phoneValue);
      if (!phone.ok) this._phoneError = phone;
    }
  }

  /**
   * Pre-fills the fields (from the person's profile, say) as if typed: a verified pair is unlocked first, and a
   * verification under way ends with `cv-error` `ABORTED`, since its answer would be about the pair replaced.
   */
  fill(values: { name?: string; phoneNumber?: string }): void {
    const { name, phoneNumber } = values;
    // Refused before anything changes: a number or a null from a stored profile would leave half a pair behind.
    if ([name, phoneNumber].some((value) => value !== undefined && typeof value !== 'string')) {
      throw new TypeError('<carrier-verify>: fill() takes the name and the number as text');
    }
    this.#cancel(() => {
      if (name !== undefined) this._nameValue = name;
      if (phoneNumber !== undefined) this._phoneValue = formatPhoneInput(phoneNumber, phoneNumber.length).value;
      // As an edit of both fields: a rate limit's wait stays.
      this.#edited('name');
      this.#edited('phone');
      // Last, the new pair in place: a verified one is unlocked, and a cv-cleared listener finds what was filled.
      this.#clearToken('fill');
    });
  }

  /** Clears both fields, the outcome and the token; a verification under way ends with `cv-error` `ABORTED`. */
  reset(): void {
    this.#cancel(() => {
      this._nameValue = '';
      this._phoneValue = '';
      this.#clearOutcome();
      this.#clearToken('reset');
    });
  }

  /**
   * Withdraws the attempt under way, if any, back to idle (nothing went wrong that the person should read about),
   * makes the `change` the page asked for, and only then ends the attempt with its one event, `cv-error`
   * `ABORTED`: a listener that verifies again does so on the new fields, not on the pair just replaced.
   */
  #cancel(change?: () => void): void {
    const attempt = this.#inFlight;
    if (attempt) {
      this.#inFlight = null;
      attempt.controller.abort();
      this.#show('idle');
    }
    change?.();
    attempt?.end(cancelledOutcome(), false);
  }

  #clearOutcome(): void {
    this._nameError = null;
    this._phoneError = null;
    this.#retryCountdown.stop();
    this.#spent.clear();
    this.#show('idle');
  }

  /**
   * The one place the shown outcome changes: the status, with the notice and the error that go with it. Setting
   * the three together means no path can leave a message from an earlier outcome beside a new status.
   */
  #show(status: Status, notice: 'expired' | null = null, error: ErrorDetail | null = null): void {
    this._status = status;
    this._notice = notice;
    this._error = error;
  }

  /** Unlocks a verified pair so that the person can change it; the token is dropped. */
  #unlock(): void {
    this.#clearToken('change');
    void this.updateComplete.then(() => this.#focusField('name'));
  }

  #settle(outcome: Outcome, shown = true): Outcome {
    if (shown) this.#show(outcome.status, null, outcome.status === 'error' ? outcome.detail : null);
    switch (outcome.status) {
      case 'verified':
        this.#setToken(outcome.detail.token);
        this.dispatchEvent(new VerifiedEvent(outcome.detail));
        break;
      case 'mismatch':
        this.dispatchEvent(new MismatchEvent(outcome.detail));
        break;
      case 'not-found':
        this.dispatchEvent(new NotFoundEvent(outcome.detail));
        break;
      case 'invalid':
        this.#focusWrong(outcome.detail.field);
        this.dispatchEvent(new InvalidEvent(outcome.detail));
        break;
      case 'error':
        if (outcome.detail.retryAfter) this.#retryCountdown.start(outcome.detail.retryAfter);
        if (outcome.detail.limit === 'number' && this.#pair && outcome.detail.retryAfter) this.#spent.set(this.#pair.phoneNumber, { until: Date.now() + outcome.detail.retryAfter * 1000, error: outcome.detail });
        // A field the proxy refused is shown at the field, as the widget's own check would have. The focus goes
        // to it only from within the element: the answer comes later, and the person may have moved on.
        if (outcome.refused && shown) {
          const { field } = outcome.refused;
          if (field === 'name') this._nameError = outcome.refused.reason;
          else this._phoneError = { ok: false, reason: outcome.refused.reason };
          if (this.matches(':focus-within')) this.#focusWrong(field);
        }
        this.dispatchEvent(new VerifyErrorEvent(outcome.detail));
        break;
    }
    return outcome;
  }

  /** What the live region says for the current status; outcomes are worded at render time, in the language in use. */
  #outcomeMessage(t: Messages): { text: string; tone: Tone } | null {
    switch (this._status) {
      case 'verifying':
        return { text: t.verifying, tone: 'busy' };
      case 'verified':
        return { text: t.verified, tone: 'success' };
      case 'mismatch':
        return { text: t.mismatch, tone: 'error' };
      case 'not-found':
        return { text: t.notFound, tone: 'error' };
      case 'error':
        // Nothing here when the refusal is shown at its field (and the field has not been edited since).
        if (!this._error || (this._error.code === 'INVALID_NAME' && this._nameError) || (this._error.code === 'INVALID_PHONE' && this._phoneError)) return null;
        return { text: this.#errorText(this._error, t), tone: this._error.code === 'RATE_LIMITED' ? 'warning' : 'error' };
      default:
        return this._notice === 'expired' ? { text: t.expired, tone: 'warning' } : null;
    }
  }

  #errorText(detail: ErrorDetail, t: Messages): string {
    switch (detail.code) {
      case 'RATE_LIMITED':
        // The figure stays put while the retry button counts down: a live region that changed every second would talk over the person.
        if (detail.retryAfter && !this.#retryCountdown.running) return t.retryNow;
        return t.rateLimited(detail.retryAfter, detail.limit);
      case 'NETWORK_ERROR':
        return t.network;
      case 'INVALID_NAME':
        return t.name['bad-character'];
      case 'INVALID_PHONE':
        return t.phone['not-mobile'];
      default:
        // What a retry cannot mend (a site key or origin refused, an endpoint that is no verify route) is the site's to
        // fix, not the person's to try again later.
        return detail.retryable ? t.unavailable : t.rejected;
    }
  }

  #setToken(token: string): void {
    this.#token = token;
    this.#syncForm();
    const lifetime = tokenLifetime(token);
    this.#expiresAt = lifetime === null ? Infinity : Date.now() + lifetime;
    this.#timeExpiry();
  }

  /**
   * Times what is left of the token's life, as it comes, as the page is shown again and as the element is put (back)
   * in the page; a token whose time has run out by the clock (the device slept, or the element was out of the page
   * meanwhile) goes as expired at once. Out of the page no timer runs: one would hold a removed element in memory
   * for the token's whole life.
   */
  #timeExpiry(): void {
    clearTimeout(this.#expiryTimer);
    const left = this.#expiresAt - Date.now();
    if (!this.#token || left === Infinity) return;
    if (left > 0) this.#expiryTimer = setTimeout(() => this.#clearToken('expired'), left);
    else this.#clearToken('expired');
  }

  /**
   * The page shown again. Restored from the back/forward cache, it may come back from the page its form was sent
   * to, token spent: the token goes, and the person verifies again (a repeat costs no second upstream call). Shown
   * again after the device slept, whose timers stood still, a token whose time ran out goes as expired.
   */
  #onPageShown = (event: Event): void => {
    if ((event as PageTransitionEvent).persisted) this.#clearToken('restored');
    this.#timeExpiry();
  };

  /**
   * Drops the token, if any: the verified pair goes back to idle (saying so when it expired) and the page hears
   * `cv-cleared`, at once, so that an element taken out of the page in the same turn still reaches the document's
   * listeners. Each caller does this last, its other changes made, so that a listener calling verify(), reset() or
   * fill() finds the element settled.
   */
  #clearToken(reason: ClearedReason): void {
    const held = this.#token;
    clearTimeout(this.#expiryTimer);
    this.#token = null;
    this.#syncForm();
    if (!held) return;
    // A token dropped (Change, expiry, the page shown again) makes a submission of the same fields a new attempt at once.
    this.#answeredAt = -Infinity;
    // Only a verified outcome goes: an edit made just before (fill()) may have shown a number's wait, which stays.
    if (this._status === 'verified') this.#show('idle', reason === 'expired' ? reason : null);
    this.dispatchEvent(new ClearedEvent({ reason }));
  }

  #syncForm(): void {
    if (!this.#internals) return;
    const token = this.#token;
    const pair = this.#pair;
    let value: FormData | null = null;
    // Entries of their own, named here: a value given as text would be posted under the name attribute, which the
    // element has only when the page wrote one. The pair goes with the token only under the field names the site
    // chose. (The pair is stored before the token that comes with it.)
    if (token) {
      value = new FormData();
      value.append(this.name, token);
      if (this.nameField) value.append(this.nameField, pair!.name);
      if (this.phoneField) value.append(this.phoneField, pair!.phoneNumber);
    }
    // The fields as typed, for the browser to hand back on Back or after a restart (see formStateRestoreCallback).
    const typed = this._nameValue || this._phoneValue ? JSON.stringify({ name: this._nameValue, phone: this._phoneValue }) : null;
    this.#internals.setFormValue(value, typed);
    const input = this.renderRoot?.querySelector<HTMLInputElement>('#name') ?? undefined;
    if (this.required && !this.#token) {
      this.#internals.setValidity({ valueMissing: true }, this.#t.required, input);
    } else {
      this.#internals.setValidity({});
    }
  }

  /** The element within that had the focus as this update began. */
  #focusedBefore: Element | null = null;

  #focusField(field: Field): void {
    this.renderRoot.querySelector<HTMLInputElement>(`#${field}`)?.focus();
  }

  /**
   * Moves the focus to a wrong field once its error is shown. There its error is read out with the focus, as the
   * field's description: its live region keeps quiet this once, so that it is said once. A field that has the focus
   * already is not read out again, and its region speaks (a refusal repeated too, see #afresh).
   */
  #focusWrong(field: Field): void {
    this.#quiet = this.shadowRoot?.activeElement?.id === field ? null : field;
    void this.updateComplete.then(() => this.#focusField(field));
  }

  /**
   * A field left with text its check refuses says so as the person moves on; never while typing, since an edit
   * clears the field's error. Not a field left empty (tabbed through), nor one left by a press on Verify, which
   * checks both fields and says it once; nor one that keeps the focus as the window loses it (a look at another app
   * for the rest of the number). It says so once the key or the press that moved the focus is up: a reason shown as
   * a press begins takes a line, which moves what is below the element from under the pointer, and the press misses
   * it. A field tabbed away from to Verify says so as Tab is up: the keyboard may go on past Verify unpressed.
   */
  #onBlur(event: FocusEvent): void {
    const input = event.target as HTMLInputElement;
    if (this.shadowRoot!.activeElement === input) return;
    const toVerify = event.relatedTarget === this.renderRoot.querySelector('[part=button]');
    // One wait at a time, ended as well when the element leaves the page: a listener on the window would keep it.
    this.#blurWait?.abort();
    const up = (this.#blurWait = new AbortController());
    const say = (end: Event) => {
      up.abort();
      // Not a field the person is back in, nor one emptied meanwhile (reset()), nor one left by a press on Verify.
      if (input.value && this.shadowRoot!.activeElement !== input && !(toVerify && end.type === 'mouseup')) {
        this.#adopt();
        this.#check(input.id as Field);
      }
    };
    for (const type of ['mouseup', 'keyup']) addEventListener(type, say, { capture: true, signal: up.signal });
  }

  /** @internal */
  formResetCallback(): void {
    this.reset();
  }

  /** @internal */
  formDisabledCallback(disabled: boolean): void {
    this._formDisabled = disabled;
  }

  /**
   * Back in history or after a restart the browser hands back the fields, not the token: a token restored from
   * an earlier visit may be spent or stale, so the person verifies again (a repeat costs no second upstream call).
   * @internal
   */
  formStateRestoreCallback(state: unknown): void {
    if (typeof state !== 'string') return;
    try {
      const { name, phone } = JSON.parse(state) as { name?: unknown; phone?: unknown };
      // Filled once the update under way is over: handed back as a script after the element upgrades it, this comes in
      // the middle of the first update, whose end would drop the change. Not over what the page filled meanwhile.
      if (typeof name === 'string' && typeof phone === 'string') void this.updateComplete.then(() => this._nameValue || this._phoneValue || this.fill({ name, phoneNumber: phone }));
    } catch {
      // Not a state this element saved.
    }
  }

  override connectedCallback(): void {
    super.connectedCallback();
    // Properties a page set before the definition loaded (Angular's bindings, a script before the script tag) wait
    // for the first update: made now, so that a page awaiting whenDefined() finds them, its form the validity.
    this.performUpdate();
    this.#timeExpiry();
    addEventListener('pageshow', this.#onPageShown);
    document.addEventListener('visibilitychange', this.#onPageShown);
    this.#stopWatchingLang = onPageLangChange(() => {
      if (this.lang !== this.#shownLang) this.requestUpdate('lang', this.#shownLang);
    });
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.#blurWait?.abort();
    this.#stopWatchingLang?.();
    removeEventListener('pageshow', this.#onPageShown);
    document.removeEventListener('visibilitychange', this.#onPageShown);
    clearTimeout(this.#expiryTimer);
    // Moved elsewhere in the page (a form put into a dialog, a framework re-parenting it) is not gone: an attempt
    // under way is cancelled only if the element is still out of the document once the move is over.
    queueMicrotask(() => this.isConnected || this.#cancel());
  }

  protected override willUpdate(): void {
    // The endpoint keeps its default when the attribute is removed or a binding sets nothing.
    this.endpoint ||= DEFAULT_ENDPOINT;
    // A token is the site's and the proxy's that issued it, and an attempt under way asks for one: another site key
    // or endpoint than it was sent with ends both, once this update is over (a listener finds the element settled).
    if ((this.#token || this.#inFlight) && this.#sentWith !== this.#settings) queueMicrotask(() => this.#cancel(() => this.#clearToken('reconfigured')));
    this.#focusedBefore = this.shadowRoot?.activeElement ?? null;
  }

  protected override updated(): void {
    // Every update: the form's value and validity follow the properties, and its saved state the fields as typed.
    this.#syncForm();
    this.#showStatusState();
    // A button that goes while it has the focus (Change when the token expires, Retry when the page resets the
    // element) would drop the focus to the page's body: it goes to the name field, where a new attempt starts.
    if (this.#focusedBefore && !this.#focusedBefore.isConnected && !this.shadowRoot?.activeElement) this.#focusField('name');
    this.#focusedBefore = null;
  }

  /** Mirrors `status` as a custom state, so that a page can style `carrier-verify:state(verified)`. */
  #showStatusState(): void {
    const states = this.#internals?.states;
    if (!states || states.has(this._status)) return;
    try {
      states.clear();
      states.add(this._status);
    } catch {
      // Chromium before 125 accepts only `--dashed` names; the states are an extra, the element works without.
    }
  }

  /**
   * Any edit makes a past outcome stale: its message and the field's error go, the person is typing anew.
   * A rate limit is the exception: its countdown stays in view whatever is edited, since this address or the site
   * would refuse any pair as well; unless the proxy said it was the number's own limit (names tried for that
   * number), which another number does not share: another number may be tried at once, and the wait comes back
   * with the refused number.
   */
  #edited(field: Field): void {
    this.#quiet = null;
    if (field === 'name') this._nameError = null;
    else this._phoneError = null;
    if (this.#numberWait || !this.#retryCountdown.running) {
      const held = this.#spentHere;
      if (held) {
        // On a number whose names are spent, its wait holds; come back to it, the wait is shown again, time left.
        if (!this.#retryCountdown.running) {
          const left = (held.until - Date.now()) / 1000;
          this.#retryCountdown.start(left);
          this.#show('error', null, { ...held.error, retryAfter: Math.ceil(left) });
        }
        return;
      }
      // Another number: a number's wait is not its own.
      if (this.#numberWait) this.#retryCountdown.stop();
    }
    if (STALE_ON_EDIT.has(this._status) && !this.#retryCountdown.running) this.#show('idle');
  }

  #onNameInput(event: InputEvent): void {
    this._nameValue = (event.target as HTMLInputElement).value;
    this.#edited('name');
  }

  #onPhoneInput(event: InputEvent): void {
    const input = event.target as HTMLInputElement;
    // Mid-composition the input method owns the text; it is grouped once the composition ends.
    if (event.isComposing) return this.#showPhone(input, null);
    const type = event.inputType ?? '';
    const next = editPhoneInput(this._phoneValue, input.value, input.selectionStart!, type, this.#replacedSelection);
    // Each regrouping is an edit of its own in the field's history, just after the edit it grouped: an undo or a redo
    // that stops between the two goes on to the next, so that one Ctrl+Z takes back one keystroke, grouped (that
    // step's own input event does the rest).
    if (next.value !== input.value && type.startsWith('history') && document.execCommand(type.slice(7))) return;
    this.#showPhone(input, next);
    const before = this.#beforePaste;
    // A paste is one edit over the whole field, which its undo leaves selected: the selection it replaced comes back.
    if (type === 'historyUndo' && before?.[0] === input.value) input.setSelectionRange(before[1], before[2]);
  }

  /** Whether the edit about to happen replaces a selection (read before it, since the input event comes after). */
  #onPhoneBeforeInput(event: InputEvent): void {
    const input = event.target as HTMLInputElement;
    this.#replacedSelection = input.selectionStart !== input.selectionEnd;
  }

  /** A paste is grouped in one step, so `+86 138-0013-8000` lands as `138 0013 8000` with the caret after it. */
  #onPhonePaste(event: ClipboardEvent): void {
    const text = event.clipboardData?.getData('text');
    const input = event.target as HTMLInputElement;
    if (!text || input.readOnly) return;
    event.preventDefault();
    this.#beforePaste = [input.value, input.selectionStart!, input.selectionEnd!];
    this.#showPhone(input, pastePhoneInput(input.value, text, input.selectionStart!, input.selectionEnd!));
  }

  #onPhoneCompositionEnd(event: CompositionEvent): void {
    const input = event.target as HTMLInputElement;
    this.#showPhone(input, formatPhoneInput(input.value, input.selectionStart!));
  }

  /**
   * Shows the number field's edit grouped (`next`, none mid-composition), with the caret beside the digit it was at,
   * and takes it as the field's text. The grouped text goes in as an edit of the browser's own (`insertText` over the
   * field), so that undo and redo walk through it as through typing (a value set by script empties the field's
   * history) and the page hears an `input` event as for typing; only where the browser makes nothing of the command
   * (none, or the field not focused) is the value set.
   */
  #showPhone(input: HTMLInputElement, next: { value: string; caret: number } | null): void {
    // Moving the caret of a field that is not focused would pull the focus to it in some browsers.
    const focused = this.shadowRoot?.activeElement === input;
    if (next) {
      if (focused && input.value !== next.value) {
        input.select();
        // Its input event comes back here (in #onPhoneInput), which finds the text grouped and takes it: only the
        // caret is left to place.
        if (document.execCommand('insertText', false, next.value) && input.value === next.value) return input.setSelectionRange(next.caret, next.caret);
      }
      if (input.value !== next.value) input.value = next.value;
      if (focused) input.setSelectionRange(next.caret, next.caret);
    }
    this._phoneValue = input.value;
    this.#edited('phone');
  }

  /**
   * A press in the box that lands on no control of its own. Left to focus delegation, it would put the focus in the
   * name field with its text selected, so that the next keys typed replaced the name; and on a label, the selection
   * it made would keep the label's click from reaching its field (Chromium activates no label then). So a press on
   * a label leaves the focus to the label's click, which moves it to that label's field, as on any page; a press on
   * the rest (a hint, the notice, the padding) keeps the focus in the field it is in or, coming from outside, puts it
   * in the name field with the caret after the text. Controls, links and whatever the page slots in are the
   * browser's.
   */
  #onPress(event: MouseEvent): void {
    if (event.button !== 0) return;
    for (const node of event.composedPath()) {
      if (node === event.currentTarget) break;
      if (node instanceof HTMLLabelElement) return event.preventDefault();
      if (node instanceof Element && (node.assignedSlot || node.matches(PRESSABLE))) return;
    }
    event.preventDefault();
    if (this.shadowRoot?.activeElement) return;
    const name = this.renderRoot.querySelector<HTMLInputElement>('#name');
    name?.focus();
    name?.setSelectionRange(name.value.length, name.value.length);
  }

  /**
   * An Enter that an input method takes to commit its composition (pinyin before a name is chosen) is the input
   * method's: it submits nothing, so nothing half-typed is checked or sent. Safari sends it just after the
   * composition ends, as key 229. Once verified, the fields are the page's form's: Enter in them sends that form, as
   * in any of its own fields (its default button clicked, as the browser does). Enter in the name while the number is
   * still empty (a phone keyboard's Next, or Go, after the name) moves on to the number rather than refuse it empty.
   */
  #onKeydown(event: KeyboardEvent): void {
    if (event.key !== 'Enter') return;
    // A held Enter repeats its keydown: each would be an attempt (or, on Change, unlock the pair and then verify it
    // again at once), until a limit refused them. One press is one attempt.
    if (event.isComposing || event.keyCode === 229 || event.repeat) return event.preventDefault();
    const target = event.target as HTMLInputElement;
    if (target.id === 'name' && !this._phoneValue) {
      event.preventDefault();
      return this.renderRoot.querySelector<HTMLElement>('#phone')?.focus();
    }
    const form = this.form;
    // Read-only: a field while verified (a button is not).
    if (this.token && form && target.readOnly && !this.#settling) {
      event.preventDefault();
      // Its default button clicked, as the browser does on Enter in one of its own fields; a form without one, as a
      // signup form's many fields, is not sent by an Enter in them.
      form.querySelector<HTMLElement>('button:not([type]),[type=submit]')?.click();
    }
  }

  /**
   * Within a moment of an answer to the fields as they are: a second press then is the second click of a double
   * click on a button that came back under it, or the bounce of an Enter, not a request for another attempt.
   */
  get #settling(): boolean {
    return performance.now() - this.#answeredAt < ANSWER_SETTLE_MS && this.#fields === this.#answeredFields;
  }

  /** The endpoint and site key the token, or the attempt under way, was asked with. */
  #sentWith = '';

  /** Where, and for which site, an attempt would be sent now. */
  get #settings(): string {
    return `${this.endpoint || DEFAULT_ENDPOINT}\n${this.siteKey || ''}`;
  }

  /** What the two fields hold, as one string to compare. */
  get #fields(): string {
    return `${this._nameValue}\n${this._phoneValue}`;
  }

  #onSubmit(event: SubmitEvent): void {
    event.preventDefault();
    // The person's own submission, ignored while blocked or settling; held back by a rate limit's wait, it says the
    // wait again (Enter in a field gets no other answer: Verify's state is not where the person is looking).
    if (!this.#blocked && !this.#settling) void this.verify();
    else if (this.#waiting && !this.#isDisabled) {
      this.#heldBack += 1;
      this.requestUpdate();
    }
  }

  #onRetry(event: MouseEvent): void {
    // Try again comes back under the pointer with the answer, as Verify does: a double click is one attempt. A key
    // or a script (`detail` 0) is no double click.
    if (this.#blocked || (event.detail > 0 && this.#settling)) return;
    // The retry button goes while the new attempt runs: the focus moves to the main button rather than the page.
    this.renderRoot.querySelector<HTMLElement>('[part=button]')?.focus();
    void this.verify();
  }

  /** The carrier the segment typed so far was issued to, or why such a number cannot be verified. */
  #carrierHint(t: Messages): { text: string; tone: Tone } | null {
    const segment = typedSegment(this._phoneValue);
    if (!segment) return null;
    if (segment.kind !== 'mobile') return { text: t.segment[segment.kind], tone: 'warning' };
    return { text: segment.carrier === 'virtual' ? t.virtualHint : t.carrier[segment.carrier], tone: 'info' };
  }

  #phoneErrorText(t: Messages): string {
    const error = this._phoneError;
    if (!error) return '';
    return error.segment ? t.segment[error.segment] : t.phone[error.reason];
  }

  /**
   * A field's error, as a node of its own for each refusal: the same error refused again replaces the node, which
   * its live region speaks as new text. Left as it was, it would say nothing the second time, with the focus already
   * in the field. (Two templates, taken in turn, make Lit replace the node; they differ, so no minifier folds them.)
   * The outcome's message is written the same way, counted by the submissions a rate limit's wait held back.
   */
  #afresh(text: string, count: number) {
    if (!text) return '';
    return count % 2 ? html`<span data-refusal="odd">${text}</span>` : html`<span data-refusal="even">${text}</span>`;
  }

  /**
   * The buttons. Their names hold still for assistive technology, which speaks a change of the focused control's
   * name: busy, Verify keeps its word beside the spinner ("verifying" is said once, in the live region), and the
   * rate limit's countdown is shown on Try again but is no part of its name (the wait is in the message).
   */
  #renderActions(t: Messages, disabled: boolean) {
    const busy = this._status === 'verifying';
    const error = this._status === 'error' ? this._error : null;
    const waiting = this.#retryCountdown.remaining;
    return html`<div class="actions">
      <button
        part="button"
        type="submit"
        ?disabled=${disabled}
        aria-disabled=${this.#blocked && !disabled ? 'true' : nothing}
        aria-busy=${busy ? 'true' : 'false'}
      >
        ${busy ? html`<span class="spinner" aria-hidden="true"></span>` : nothing}${t.verify}
      </button>
      ${this._status === 'verified'
        ? html`<button part="change-button" class="secondary" type="button" ?disabled=${disabled} @click=${this.#unlock}>${t.change}</button>`
        : nothing}
      ${error?.retryable
        ? html`<button
            part="retry-button"
            class="secondary"
            type="button"
            ?disabled=${disabled}
            aria-disabled=${waiting > 0 ? 'true' : nothing}
            @click=${this.#onRetry}
          >
            ${t.retry}${waiting > 0 ? html`<span class="countdown" aria-hidden="true">${t.countdown(this.#retryCountdown.clock)}</span>` : nothing}
          </button>`
        : nothing}
    </div>`;
  }

  protected override render(): TemplateResult {
    // The language is looked up once a render: without a `lang` of its own that is a walk up the page.
    this.#shownLang = this.lang;
    const t = messages[this.#shownLang];
    const disabled = this.#isDisabled;
    const nameError = this._nameError ? t.name[this._nameError] : '';
    const phoneError = this.#phoneErrorText(t);
    const hint = this.#carrierHint(t);
    const message = this.#outcomeMessage(t);
    // The inputs' `.value` needs no `live()` (0.3 KB gzipped in the bundle): every edit stores the field's text
    // before the next render, so the value Lit last set is the one the field shows. In the English widget the name
    // field is marked Chinese (`lang="zh"`), as the names it takes are: a screen reader reads them in a Chinese voice.
    return html`
      <form part="form" dir="ltr" novalidate @submit=${this.#onSubmit} @keydown=${this.#onKeydown} @mousedown=${this.#onPress} lang=${this.#shownLang}>
        <div class="field" part="field name-field">
          <label for="name" part="label">${t.nameLabel}</label>
          <input
            id="name"
            part="input name-input${nameError ? ' invalid' : ''}"
            type="text"
            lang=${this.#shownLang === 'en' ? 'zh' : nothing}
            autocomplete="name"
            enterkeyhint=${this._phoneValue ? 'go' : 'next'}
            autocapitalize="off"
            spellcheck="false"
            .value=${this._nameValue}
            ?readonly=${this.#locked}
            ?disabled=${disabled}
            aria-required=${this.required}
            aria-invalid=${nameError ? 'true' : 'false'}
            aria-describedby="name-error name-hint"
            @input=${this.#onNameInput}
            @blur=${this.#onBlur}
          />
          <div id="name-hint" class="hint" part="name-hint">${nameError ? '' : t.nameHint}</div>
          <div id="name-error" class="error" part="error" aria-live=${this.#quiet === 'name' ? 'off' : 'polite'}>${this.#afresh(nameError, this.#refusals)}</div>
        </div>
        <div class="field" part="field phone-field">
          <label for="phone" part="label">${t.phoneLabel}</label>
          <input
            id="phone"
            part="input phone-input${phoneError ? ' invalid' : ''}"
            type="tel"
            inputmode="tel"
            autocomplete="tel-national"
            enterkeyhint="go"
            .value=${this._phoneValue}
            ?readonly=${this.#locked}
            ?disabled=${disabled}
            aria-required=${this.required}
            aria-invalid=${phoneError ? 'true' : 'false'}
            aria-describedby="phone-error phone-hint"
            @beforeinput=${this.#onPhoneBeforeInput}
            @input=${this.#onPhoneInput}
            @paste=${this.#onPhonePaste}
            @compositionend=${this.#onPhoneCompositionEnd}
            @blur=${this.#onBlur}
          />
          <div id="phone-hint" class="hint" part="hint${phoneError || !hint ? '' : ` hint-${hint.tone}`}">${phoneError ? '' : (hint?.text ?? '')}</div>
          <div id="phone-error" class="error" part="error" aria-live=${this.#quiet === 'phone' ? 'off' : 'polite'}>${this.#afresh(phoneError, this.#refusals)}</div>
        </div>
        ${this.#renderActions(t, disabled)}
        <div class="message" part="message message-${message?.tone ?? 'info'}" role="status" aria-live="polite">${this.#afresh(message?.text ?? '', this.#heldBack)}</div>
        <p class="privacy" part="privacy">
          ${t.privacy}${t.beforeLink}<slot name="privacy">${this.privacyPolicy && LINKABLE.test(this.privacyPolicy) ? html`<a href=${this.privacyPolicy} target="_blank" rel="noopener">${t.privacyLink}</a>` : nothing}</slot>
        </p>
      </form>
    `;
  }
}

declare global {
  interface HTMLElementTagNameMap {
    'carrier-verify': CarrierVerify;
  }
}
