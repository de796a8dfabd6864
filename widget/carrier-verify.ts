// <carrier-verify>: checks a name and a Chinese mobile number, asks the proxy whether they match, and reports the outcome.
import { html, LitElement, nothing, type PropertyValues } from 'lit';
import { live } from 'lit/directives/live.js';
import { postVerify, type Outcome } from './client.js';
import { InvalidEvent, MismatchEvent, NotFoundEvent, VerifiedEvent, VerifyErrorEvent, type ErrorDetail } from './events.js';
import { matchLang, messages, type Lang, type Messages } from './locales.js';
import { formatPhoneInput } from './phone-input.js';
import { styles } from './styles.js';
import { tokenExpiry } from './token.js';
import { checkName, checkPhone, normalizePhone, type NameReason, type PhoneCheck, type PhoneReason } from './validation.js';

/** Where a verification stands. */
export type Status = 'idle' | 'invalid' | 'verifying' | 'verified' | 'mismatch' | 'not-found' | 'error';

type Tone = 'success' | 'error' | 'warning' | 'info';

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
 * @fires cv-error - Network failure, proxy error or rate limit. Detail: `{ code, message, retryable, retryAfter? }`.
 *
 * @slot privacy - Replaces the link to the site's privacy policy in the notice under the form.
 *
 * @csspart form - The box around the fields.
 * @csspart field - Each field with its label, hint and error.
 * @csspart label - The labels.
 * @csspart input - Both text inputs.
 * @csspart name-input - The name input.
 * @csspart phone-input - The number input.
 * @csspart hint - The carrier hint under the number.
 * @csspart error - The reason shown under a field that is wrong.
 * @csspart button - The verify button.
 * @csspart change-button - The button that unlocks the fields after a verification.
 * @csspart message - The outcome message, a polite live region.
 * @csspart privacy - The privacy notice.
 *
 * @cssprop --cv-font - Font family.
 * @cssprop --cv-font-size - Base font size.
 * @cssprop --cv-radius - Corner radius of the box, the inputs and the buttons.
 * @cssprop --cv-gap - Space between the parts.
 * @cssprop --cv-bg - Background of the box.
 * @cssprop --cv-fg - Text colour.
 * @cssprop --cv-muted - Colour of hints and the notice.
 * @cssprop --cv-border - Border colour.
 * @cssprop --cv-field-bg - Background of the inputs.
 * @cssprop --cv-accent - Button and link colour.
 * @cssprop --cv-accent-fg - Text colour on the button.
 * @cssprop --cv-focus - Focus ring colour.
 * @cssprop --cv-error - Colour of errors.
 * @cssprop --cv-success - Colour of the verified message.
 * @cssprop --cv-warning - Colour of warnings such as rate limits.
 */
export class CarrierVerify extends LitElement {
  static override styles = styles;
  static override shadowRootOptions: ShadowRootInit = { ...LitElement.shadowRootOptions, delegatesFocus: true };
  static formAssociated = true;

  static override properties = {
    endpoint: { type: String },
    siteKey: { type: String, attribute: 'site-key' },
    lang: { type: String },
    name: { type: String, reflect: true },
    required: { type: Boolean, reflect: true },
    disabled: { type: Boolean, reflect: true },
    theme: { type: String, reflect: true },
    privacyPolicy: { type: String, attribute: 'privacy-policy' },
    _status: { state: true },
    _nameValue: { state: true },
    _phoneValue: { state: true },
    _nameError: { state: true },
    _phoneError: { state: true },
    _message: { state: true },
    _formDisabled: { state: true },
  };

  /** The proxy's verify URL. */
  declare endpoint: string;
  /** Public key of the embedding site, sent with each request. */
  declare siteKey: string | undefined;
  /** Language of the widget: `zh-CN`, `zh-TW` or `en`; defaults to the page's language, else `zh-CN`. */
  declare lang: string;
  /** Name of the form field that carries the token. */
  declare name: string;
  /** Whether the form is invalid until the pair is verified. */
  declare required: boolean;
  /** Whether the widget is disabled. */
  declare disabled: boolean;
  /** Colour theme: `light`, `dark`, or `auto` to follow `prefers-color-scheme`. */
  declare theme: 'light' | 'dark' | 'auto' | undefined;
  /** URL of the site's privacy policy, linked from the notice. */
  declare privacyPolicy: string | undefined;

  declare private _status: Status;
  declare private _nameValue: string;
  declare private _phoneValue: string;
  declare private _nameError: NameReason | null;
  declare private _phoneError: Extract<PhoneCheck, { ok: false }> | null;
  declare private _message: { text: string; tone: Tone; retry: boolean } | null;
  declare private _formDisabled: boolean;

  private readonly internals: ElementInternals | null;
  private _token: string | null = null;
  private inFlight: { controller: AbortController; promise: Promise<Outcome> } | null = null;
  private expiryTimer: ReturnType<typeof setTimeout> | undefined;

  constructor() {
    super();
    this.endpoint = '/api/verify';
    this.name = 'carrier-verify-token';
    this.required = false;
    this.disabled = false;
    this._status = 'idle';
    this._nameValue = '';
    this._phoneValue = '';
    this._nameError = null;
    this._phoneError = null;
    this._message = null;
    this._formDisabled = false;
    this.internals = typeof this.attachInternals === 'function' ? this.attachInternals() : null;
  }

  /** Where the verification stands. */
  get status(): Status {
    return this._status;
  }

  /** The token of the last successful verification, or null. */
  get token(): string | null {
    return this._token;
  }

  /** The form this element belongs to, if any. */
  get form(): HTMLFormElement | null {
    return this.internals?.form ?? null;
  }

  /** Whether the element meets its constraints (`required` and not yet verified fails). */
  checkValidity(): boolean {
    return this.internals?.checkValidity() ?? true;
  }

  /** Like `checkValidity()`, and shows the browser's message when it fails. */
  reportValidity(): boolean {
    return this.internals?.reportValidity() ?? true;
  }

  /** The message the browser shows for a failed constraint. */
  get validationMessage(): string {
    return this.internals?.validationMessage ?? '';
  }

  private get resolvedLang(): Lang {
    const own = matchLang(this.lang);
    if (own) return own;
    const ancestor = this.parentElement?.closest('[lang]')?.getAttribute('lang');
    return matchLang(ancestor) ?? matchLang(globalThis.document?.documentElement.lang) ?? 'zh-CN';
  }

  private get t(): Messages {
    return messages[this.resolvedLang];
  }

  private get locked(): boolean {
    return this._status === 'verified' || this._status === 'verifying';
  }

  private get isDisabled(): boolean {
    return this.disabled || this._formDisabled;
  }

  /**
   * Checks both fields, posts them to the proxy and resolves with the outcome; fires exactly one of the
   * `cv-*` events. While a verification is under way, a second call returns the same attempt.
   */
  verify(): Promise<Outcome> {
    if (this.inFlight) return this.inFlight.promise;
    const name = checkName(this._nameValue);
    const phone = checkPhone(this._phoneValue);
    this._nameError = name.ok ? null : name.reason;
    this._phoneError = phone.ok ? null : phone;
    if (!name.ok || !phone.ok) {
      const detail = !name.ok ? { field: 'name' as const, reason: name.reason } : { field: 'phone' as const, reason: (phone as Extract<PhoneCheck, { ok: false }>).reason };
      return Promise.resolve(this.settle({ status: 'invalid', detail }));
    }
    this.clearToken();
    this._status = 'verifying';
    this._message = null;
    const controller = new AbortController();
    const body = { name: name.value, phoneNumber: phone.value, ...(this.siteKey ? { siteKey: this.siteKey } : {}) };
    const promise = postVerify(this.endpoint, body, controller.signal).then((outcome) => {
      if (this.inFlight?.controller !== controller) return outcome;
      this.inFlight = null;
      return this.settle(outcome);
    });
    this.inFlight = { controller, promise };
    return promise;
  }

  /** Pre-fills the fields (from the person's profile, say) as if typed; a verified pair is unlocked first. */
  fill(values: { name?: string; phoneNumber?: string }): void {
    if (this._status === 'verified') this.clearToken();
    if (values.name !== undefined) this._nameValue = values.name;
    if (values.phoneNumber !== undefined) this._phoneValue = formatPhoneInput(values.phoneNumber, values.phoneNumber.length).value;
    this._nameError = null;
    this._phoneError = null;
    this._message = null;
    this._status = 'idle';
  }

  /** Clears both fields, the outcome and the token, and cancels a verification under way. */
  reset(): void {
    this.inFlight?.controller.abort();
    this.inFlight = null;
    this.clearToken();
    this._nameValue = '';
    this._phoneValue = '';
    this._nameError = null;
    this._phoneError = null;
    this._message = null;
    this._status = 'idle';
  }

  /** Unlocks a verified pair so that the person can change it; the token is dropped. */
  private unlock(): void {
    this.clearToken();
    this._message = null;
    this._status = 'idle';
    void this.updateComplete.then(() => this.focusField('name'));
  }

  private settle(outcome: Outcome): Outcome {
    this._status = outcome.status;
    const t = this.t;
    switch (outcome.status) {
      case 'verified':
        this.setToken(outcome.detail.token);
        this._message = { text: t.verified, tone: 'success', retry: false };
        this.dispatchEvent(new VerifiedEvent(outcome.detail));
        break;
      case 'mismatch':
        this._message = { text: t.mismatch, tone: 'error', retry: false };
        this.dispatchEvent(new MismatchEvent(outcome.detail));
        break;
      case 'not-found':
        this._message = { text: t.notFound, tone: 'error', retry: false };
        this.dispatchEvent(new NotFoundEvent(outcome.detail));
        break;
      case 'invalid':
        this._message = null;
        void this.updateComplete.then(() => this.focusField(outcome.detail.field));
        this.dispatchEvent(new InvalidEvent(outcome.detail));
        break;
      case 'error':
        this._message = { text: this.errorText(outcome.detail), tone: outcome.detail.code === 'RATE_LIMITED' ? 'warning' : 'error', retry: outcome.detail.retryable };
        if (outcome.detail.code !== 'ABORTED') this.dispatchEvent(new VerifyErrorEvent(outcome.detail));
        break;
    }
    return outcome;
  }

  private errorText(detail: ErrorDetail): string {
    const t = this.t;
    switch (detail.code) {
      case 'RATE_LIMITED':
        return t.rateLimited(detail.retryAfter);
      case 'NETWORK_ERROR':
        return t.network;
      case 'ORIGIN_NOT_ALLOWED':
      case 'INVALID_SITE_KEY':
        return t.rejected;
      case 'INVALID_NAME':
        return t.name['bad-character'];
      case 'INVALID_PHONE':
        return t.phone['not-mobile'];
      default:
        return t.unavailable;
    }
  }

  private setToken(token: string): void {
    this._token = token;
    this.syncForm();
    const expiresAt = tokenExpiry(token);
    if (expiresAt !== null) {
      this.expiryTimer = setTimeout(() => this.expire(), Math.max(0, expiresAt - Date.now()));
    }
  }

  private clearToken(): void {
    clearTimeout(this.expiryTimer);
    this._token = null;
    this.syncForm();
  }

  private expire(): void {
    this.clearToken();
    this._status = 'idle';
    this._message = { text: this.t.expired, tone: 'warning', retry: false };
  }

  private syncForm(): void {
    if (!this.internals) return;
    this.internals.setFormValue(this._token, this._token ?? undefined);
    const input = this.renderRoot?.querySelector<HTMLInputElement>('#name') ?? undefined;
    if (this.required && !this._token) {
      this.internals.setValidity({ valueMissing: true }, this.t.required, input);
    } else {
      this.internals.setValidity({});
    }
  }

  private focusField(field: 'name' | 'phone'): void {
    this.renderRoot.querySelector<HTMLInputElement>(`#${field}`)?.focus();
  }

  /** @internal */
  formResetCallback(): void {
    this.reset();
  }

  /** @internal */
  formDisabledCallback(disabled: boolean): void {
    this._formDisabled = disabled;
  }

  /** @internal */
  formStateRestoreCallback(state: string | null): void {
    if (!state) return;
    const expiresAt = tokenExpiry(state);
    if (expiresAt !== null && expiresAt > Date.now()) {
      this._status = 'verified';
      this.setToken(state);
    }
  }

  override disconnectedCallback(): void {
    super.disconnectedCallback();
    this.inFlight?.controller.abort();
    this.inFlight = null;
  }

  protected override updated(changed: PropertyValues<this>): void {
    if (changed.has('required') || changed.has('lang')) this.syncForm();
  }

  private onNameInput(event: InputEvent): void {
    this._nameValue = (event.target as HTMLInputElement).value;
    this._nameError = null;
    if (this._status === 'invalid' || this._status === 'mismatch' || this._status === 'not-found' || this._status === 'error') {
      this._status = 'idle';
      this._message = null;
    }
  }

  private onPhoneInput(event: InputEvent): void {
    const input = event.target as HTMLInputElement;
    const next = formatPhoneInput(input.value, input.selectionStart ?? input.value.length);
    input.value = next.value;
    input.setSelectionRange(next.caret, next.caret);
    this._phoneValue = next.value;
    this._phoneError = null;
    if (this._status === 'invalid' || this._status === 'mismatch' || this._status === 'not-found' || this._status === 'error') {
      this._status = 'idle';
      this._message = null;
    }
  }

  private onSubmit(event: SubmitEvent): void {
    event.preventDefault();
    if (!this.isDisabled && !this.locked) void this.verify();
  }

  private renderCarrierHint() {
    const digits = normalizePhone(this._phoneValue);
    if (!digits || !/^1\d{2,}$/.test(digits)) return nothing;
    const check = checkPhone(digits.padEnd(11, '0'));
    const segment = check.ok ? check.carrier : null;
    if (!segment) return nothing;
    const t = this.t;
    return segment === 'virtual' ? `${t.carrier.virtual} · ${t.virtualNote}` : t.carrier[segment];
  }

  private phoneErrorText(): string {
    const error = this._phoneError;
    if (!error) return '';
    return error.segment ? this.t.segment[error.segment] : this.t.phone[error.reason as PhoneReason];
  }

  protected override render() {
    const t = this.t;
    const disabled = this.isDisabled;
    const busy = this._status === 'verifying';
    const verified = this._status === 'verified';
    const nameError = this._nameError ? t.name[this._nameError] : '';
    const phoneError = this.phoneErrorText();
    const message = this._message;
    return html`
      <form part="form" novalidate @submit=${this.onSubmit} lang=${this.resolvedLang} aria-busy=${busy ? 'true' : 'false'}>
        <div class="field" part="field">
          <label for="name" part="label">${t.nameLabel}</label>
          <input
            id="name"
            part="input name-input"
            type="text"
            autocomplete="name"
            spellcheck="false"
            placeholder=${t.namePlaceholder}
            .value=${live(this._nameValue)}
            ?readonly=${this.locked}
            ?disabled=${disabled}
            aria-invalid=${nameError ? 'true' : 'false'}
            aria-describedby="name-error"
            @input=${this.onNameInput}
          />
          <div id="name-error" class="error" part="error">${nameError}</div>
        </div>
        <div class="field" part="field">
          <label for="phone" part="label">${t.phoneLabel}</label>
          <input
            id="phone"
            part="input phone-input"
            type="tel"
            inputmode="tel"
            autocomplete="tel-national"
            placeholder=${t.phonePlaceholder}
            .value=${live(this._phoneValue)}
            ?readonly=${this.locked}
            ?disabled=${disabled}
            aria-invalid=${phoneError ? 'true' : 'false'}
            aria-describedby="phone-error phone-hint"
            @input=${this.onPhoneInput}
          />
          <div id="phone-hint" class="hint" part="hint">${this.renderCarrierHint()}</div>
          <div id="phone-error" class="error" part="error">${phoneError}</div>
        </div>
        <div class="actions">
          <button part="button" type="submit" ?disabled=${disabled || verified} aria-busy=${busy ? 'true' : 'false'}>
            ${busy ? html`<span class="spinner" aria-hidden="true"></span>${t.verifying}` : t.verify}
          </button>
          ${verified
            ? html`<button part="change-button" class="secondary" type="button" ?disabled=${disabled} @click=${this.unlock}>${t.change}</button>`
            : nothing}
          ${message?.retry
            ? html`<button part="retry-button" class="secondary" type="button" ?disabled=${disabled} @click=${() => void this.verify()}>${t.retry}</button>`
            : nothing}
        </div>
        <div class="message" part="message" role="status" aria-live="polite" data-tone=${message?.tone ?? 'info'}>${message?.text ?? ''}</div>
        <p class="privacy" part="privacy">
          ${t.privacy}
          <slot name="privacy">${this.privacyPolicy ? html`<a href=${this.privacyPolicy} target="_blank" rel="noopener">${t.privacyLink}</a>` : nothing}</slot>
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
