// What the browser suites share: a widget on the page, its parts by role, and input as a person gives it.
import { fixture, html, oneEvent } from '@open-wc/testing';
import { sendMouse } from '@web/test-runner-commands';
import type { TemplateResult } from 'lit';
import '../../widget/define.js';
import type { CarrierVerify } from '../../widget/carrier-verify.js';
import type { CarrierVerifyEventMap } from '../../widget/events.js';

export async function widget(template: TemplateResult = html`<carrier-verify lang="zh-CN"></carrier-verify>`): Promise<CarrierVerify> {
  const el = await fixture<CarrierVerify>(template);
  await el.updateComplete;
  return el;
}

/** The element's inner parts, looked up afresh each time (the verified state adds a button, for one). */
export function parts(el: CarrierVerify) {
  const root = el.shadowRoot!;
  const one = <T extends Element = HTMLElement>(selector: string) => root.querySelector<T>(selector);
  return {
    name: one<HTMLInputElement>('#name')!,
    phone: one<HTMLInputElement>('#phone')!,
    button: one<HTMLButtonElement>('button[part="button"]')!,
    change: one<HTMLButtonElement>('[part="change-button"]'),
    retry: one<HTMLButtonElement>('[part="retry-button"]'),
    hint: one('#phone-hint')!,
    nameError: one('#name-error')!,
    phoneError: one('#phone-error')!,
    message: one('[part~="message"]')!,
    text: () => root.textContent?.replace(/\s+/g, ' ') ?? '',
  };
}

/** Sets a field's text and fires the input event a person's typing would. */
export function setText(input: HTMLInputElement, text: string): void {
  input.focus();
  input.value = text;
  input.setSelectionRange(text.length, text.length);
  input.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertText', data: text }));
}

export async function fill(el: CarrierVerify, name: string, phone: string): Promise<void> {
  setText(parts(el).name, name);
  setText(parts(el).phone, phone);
  await el.updateComplete;
}

/** Fills both fields, clicks Verify and waits for the named event. */
export async function attempt<K extends keyof CarrierVerifyEventMap>(
  el: CarrierVerify,
  name: string,
  phone: string,
  event: K,
) {
  await fill(el, name, phone);
  const fired = oneEvent<GlobalEventHandlersEventMap[K]>(el, event);
  parts(el).button.click();
  const result = await fired;
  await el.updateComplete;
  return result;
}

/** A real mouse click (through the browser, `detail` 1) at the middle of `target`, where a person would click. */
export async function clickMiddle(target: Element): Promise<void> {
  const box = target.getBoundingClientRect();
  await sendMouse({ type: 'click', position: [Math.round(box.x + box.width / 2), Math.round(box.y + box.height / 2)] });
}

/** Pastes text into the focused field the way the browser delivers a paste: a cancellable event with clipboard data. */
export function paste(input: HTMLInputElement, text: string): void {
  const data = new DataTransfer();
  data.setData('text/plain', text);
  const event = new ClipboardEvent('paste', { clipboardData: data, bubbles: true, cancelable: true, composed: true });
  if (input.dispatchEvent(event) && !input.readOnly) {
    // Not handled by the widget: do what the browser would have done (nothing, in a read-only field).
    input.setRangeText(text, input.selectionStart ?? 0, input.selectionEnd ?? 0, 'end');
    input.dispatchEvent(new InputEvent('input', { bubbles: true, composed: true, inputType: 'insertFromPaste', data: text }));
  }
}

export const nextFrame = () => new Promise((resolve) => requestAnimationFrame(() => resolve(undefined)));
