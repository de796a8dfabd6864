// As-you-type grouping of the number field that keeps the caret beside the digit the person is at.
import { segmentOf, type Segment } from './carriers.js';
import { foldPhone, formatPhone, normalizePhone, PHONE_DIGITS } from './validation.js';

export interface FormattedInput {
  readonly value: string;
  readonly caret: number;
}

const digitsIn = (s: string): string => foldPhone(s).replace(/\D/g, '');

/** The position just after the `n`-th digit of `s` (0 for n = 0). */
function caretAfterDigits(s: string, n: number): number {
  if (n === 0) return 0;
  let seen = 0;
  for (let i = 0; i < s.length; i++) {
    if (/\d/.test(s[i]!) && ++seen === n) return i + 1;
  }
  return s.length;
}

/** `138 0013 8000`, with any digits past the eleventh kept on the last group so that the person sees them. */
function group(digits: string): string {
  return formatPhone(digits.slice(0, PHONE_DIGITS)) + digits.slice(PHONE_DIGITS);
}

/**
 * Re-groups what is in the number field as `138 0013 8000`. A pasted or typed `+86 138-0013-8000`
 * becomes the national number; anything that is not digits (letters, another country) is left as written.
 */
export function formatPhoneInput(raw: string, caret: number): FormattedInput {
  const national = normalizePhone(raw);
  const folded = foldPhone(raw);
  const typed = digitsIn(raw.slice(0, caret)).length;
  if (national !== null && national !== folded && national.length === PHONE_DIGITS && /^1\d+$/.test(national)) {
    // The caret stays after the digit it was after; the prefix's digits are gone from in front of it.
    const value = formatPhone(national);
    return { value, caret: caretAfterDigits(value, Math.max(0, typed - (digitsIn(raw).length - PHONE_DIGITS))) };
  }
  if (!/^\d*$/.test(folded)) return { value: raw, caret };
  const value = group(folded);
  return { value, caret: caretAfterDigits(value, typed) };
}

/**
 * Applies one edit of the number field. Deleting across a group space deletes the digit beyond it, as a
 * person expects; without that, Backspace at `138 |0013` would only bounce the caret back and forth. A space
 * that was selected and deleted is only put back: `selected` says the edit replaced a selection.
 */
export function editPhoneInput(previous: string, raw: string, caret: number, inputType: string, selected = false): FormattedInput {
  const removedOnlySpace = !selected && inputType.startsWith('delete') && raw.length === previous.length - 1 && digitsIn(raw) === digitsIn(previous);
  if (removedOnlySpace) {
    if (inputType === 'deleteContentBackward' && caret > 0) return formatPhoneInput(raw.slice(0, caret - 1) + raw.slice(caret), caret - 1);
    if (inputType === 'deleteContentForward') return formatPhoneInput(raw.slice(0, caret) + raw.slice(caret + 1), caret);
  }
  return formatPhoneInput(raw, caret);
}

/**
 * What surrounds a number in copied text (`手机：138…`, `Tel: 138…`, `…（张三）`): before its first digit, plus or
 * bracket, and after its last digit.
 */
const AROUND_NUMBER = /^[^\d+\uFF0B\uFF10-\uFF19(\uFF08]+|[^\d\uFF10-\uFF19]+$/g;

/**
 * The field's text after pasting `text` over the selection `[start, end)`, with the caret after the paste. A label
 * or words copied with the number are left out; text without a digit is pasted as it is, for the check to name.
 */
export function pastePhoneInput(current: string, text: string, start: number, end: number): FormattedInput {
  // Letters that look like digits against the number (`1380013800O`, `Tel:l3800138000`) are a typo in it, not a
  // label: kept, for the check to refuse, rather than leave a number a digit short that looks whole.
  const pasted = /[\d\uFF10-\uFF19]/.test(text) ? text.replace(AROUND_NUMBER, (run, at: number) => (at ? /^[OoIl]*/ : /[OoIl]*$/).exec(run)![0]) : text.trim();
  const raw = current.slice(0, start) + pasted + current.slice(end);
  return formatPhoneInput(raw, start + pasted.length);
}

/** The number segment of what is in the field so far, for the carrier hint; null until three digits name one. */
export function typedSegment(raw: string): Segment | null {
  const digits = normalizePhone(raw);
  return digits && /^1\d{2,}$/.test(digits) ? segmentOf(digits) : null;
}
