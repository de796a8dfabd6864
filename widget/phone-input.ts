// As-you-type grouping of the number field that keeps the caret beside the digit the person is at.
import { foldPhone, formatPhone, normalizePhone, PHONE_DIGITS } from './validation.js';

export interface FormattedInput {
  readonly value: string;
  readonly caret: number;
}

const countDigits = (s: string): number => s.replace(/\D/g, '').length;

/** The position just after the `n`-th digit of `s` (0 for n = 0). */
function caretAfterDigits(s: string, n: number): number {
  if (n === 0) return 0;
  let seen = 0;
  for (let i = 0; i < s.length; i++) {
    if (/\d/.test(s[i]!) && ++seen === n) return i + 1;
  }
  return s.length;
}

/**
 * Re-groups what is in the number field as `138 0013 8000`. A pasted `+86 138-0013-8000` becomes the
 * national number; anything that is not a national number being typed is left as the person wrote it.
 */
export function formatPhoneInput(raw: string, caret: number): FormattedInput {
  const folded = foldPhone(raw);
  if (/^\d{0,11}$/.test(folded)) {
    const value = formatPhone(folded);
    return { value, caret: caretAfterDigits(value, countDigits(foldPhone(raw.slice(0, caret)))) };
  }
  const national = normalizePhone(raw);
  if (national !== null && national.length === PHONE_DIGITS && /^1\d+$/.test(national)) {
    const value = formatPhone(national);
    return { value, caret: value.length };
  }
  return { value: raw, caret };
}
