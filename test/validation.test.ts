// Table tests of the client-side checks that the widget and the proxy share.
import { describe, expect, it } from 'vitest';
import { checkName, checkPhone, formatPhone, normalizeName, normalizePhone, checkRequest } from '../widget/validation.js';
import { editPhoneInput, formatPhoneInput, pastePhoneInput } from '../widget/phone-input.js';
import { carrierOf, segmentOf } from '../widget/carriers.js';

describe('checkPhone', () => {
  it.each([
    ['13800138000', '13800138000'],
    ['138 0013 8000', '13800138000'],
    ['138-0013-8000', '13800138000'],
    ['138.0013.8000', '13800138000'],
    ['(138) 0013 8000', '13800138000'],
    ['１３８００１３８０００', '13800138000'],
    ['＋86 138 0013 8000', '13800138000'],
    ['+86 138-0013-8000', '13800138000'],
    ['+8613800138000', '13800138000'],
    ['008613800138000', '13800138000'],
    ['0086 138 0013 8000', '13800138000'],
    ['8613800138000', '13800138000'],
    ['86 138 0013 8000', '13800138000'],
    ['（１３８）００１３－８０００', '13800138000'],
    ['19212345678', '19212345678'],
    ['17012345678', '17012345678'],
    ['16612345678', '16612345678'],
    ['19912345678', '19912345678'],
    ['15912345678', '15912345678'],
  ])('accepts %j as %s', (raw, expected) => {
    const check = checkPhone(raw);
    expect(check).toMatchObject({ ok: true, value: expected });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['1380013800', 'too-short'],
    ['138', 'too-short'],
    ['138001380001', 'too-long'],
    ['8613800138000123', 'too-long'],
    ['12345678901', 'not-mobile'],
    ['14412345678', 'not-mobile'],
    ['10012345678', 'not-mobile'],
    ['01012345678', 'not-mobile'],
    // Short, and with a start no mobile number has: a landline, not a number missing a digit.
    ['+86 10 1234 5678', 'not-mobile'],
    ['1012345678', 'not-mobile'],
    ['6234 5678', 'not-mobile'],
    ['021 1234 567', 'not-mobile'],
    ['8123 4567', 'not-mobile'],
    ['86 10 1234', 'not-mobile'],
    ['0086 21', 'not-mobile'],
    // Long, with such a start after any country code: a landline, not a number with a digit too many.
    ['86 10 1234 5678', 'not-mobile'],
    ['0086 21 1234 5678', 'not-mobile'],
    ['010 1234 5678 9', 'not-mobile'],
    // A 0 before a mobile number, as once dialled from a landline: one digit too many, not a landline.
    ['013800138000', 'too-long'],
    ['+86 0138 0013 8000', 'too-long'],
    // A mobile number with a digit typed twice: too long, though it starts as none does.
    ['113800138000', 'too-long'],
    ['1213800138000', 'too-long'],
    ['0138', 'too-short'],
    // Short with a start that may still become a country prefix, or a mobile one: a digit is missing.
    ['8613800', 'too-short'],
    ['0086138', 'too-short'],
    ['0', 'too-short'],
    ['8', 'too-short'],
    ['1', 'too-short'],
    ['1380013800a', 'invalid'],
    ['+1 415 555 0100', 'invalid'],
    ['138 0013 8000 ext 1', 'invalid'],
    ['1'.repeat(300), 'too-long'],
  ])('refuses %j as %s', (raw, reason) => {
    expect(checkPhone(raw)).toMatchObject({ ok: false, reason });
  });

  it.each([
    ['14512345678', 'data-only'],
    ['14412345678', 'iot'],
    ['13491234567', 'satellite'],
  ])('names the segment kind of %s (%s)', (raw, segment) => {
    expect(checkPhone(raw)).toEqual({ ok: false, reason: 'not-mobile', segment });
  });

  it('drops the invisible marks a contacts app copies with a number', () => {
    // iOS Contacts wraps a copied number in LEFT-TO-RIGHT OVERRIDE … POP DIRECTIONAL FORMATTING.
    expect(checkPhone('\u202D+86 138 0013 8000\u202C')).toMatchObject({ ok: true, value: '13800138000' });
    expect(checkPhone('\u2066138\u200B0013\u200E8000\u2069\uFEFF')).toMatchObject({ ok: true, value: '13800138000' });
    expect(formatPhoneInput('\u202D138 0013 8000\u202C', 15)).toEqual({ value: '138 0013 8000', caret: 13 });
  });

  it('says an internet-of-things number is one, 13 digits long, rather than too long', () => {
    expect(checkPhone('1440 1234 56789')).toEqual({ ok: false, reason: 'not-mobile', segment: 'iot' });
    expect(checkPhone('1390 1234 56789')).toEqual({ ok: false, reason: 'too-long' });
  });

  it('drops a bare 86 only when 11 digits starting with 1 remain', () => {
    expect(normalizePhone('8613800138000')).toBe('13800138000');
    expect(normalizePhone('86123')).toBe('86123');
    expect(normalizePhone('+44 20 7946 0000')).toBeNull();
  });
});

describe('carriers', () => {
  it.each([
    ['13800138000', 'china-mobile'],
    ['18612345678', 'china-unicom'],
    ['13312345678', 'china-telecom'],
    ['19212345678', 'china-broadnet'],
    ['17012345678', 'virtual'],
    ['16512345678', 'virtual'],
    ['16101234567', 'china-broadnet'],
  ])('%s was issued to %s', (digits, carrier) => {
    expect(carrierOf(digits)).toBe(carrier);
  });

  it('prefers the longest prefix', () => {
    expect(segmentOf('1349')?.kind).toBe('satellite');
    expect(segmentOf('1348')?.kind).toBe('mobile');
    expect(carrierOf('12')).toBeNull();
  });
});

describe('checkName', () => {
  const dot = '\u00B7';
  it.each([
    ['张三', '张三'],
    ['  张 三  ', '张三'],
    ['张\u3000三', '张三'],
    ['欧阳娜娜', '欧阳娜娜'],
    [`买买提${dot}艾力`, `买买提${dot}艾力`],
    ['买买提\u2022艾力', `买买提${dot}艾力`],
    ['买买提\u30FB艾力', `买买提${dot}艾力`],
    ['买买提\uFF65艾力', `买买提${dot}艾力`],
    ['买买提\uFF0E艾力', `买买提${dot}艾力`],
    ['买买提\u2027艾力', `买买提${dot}艾力`],
    ['买买提\u0387艾力', `买买提${dot}艾力`],
    ['买买提.艾力', `买买提${dot}艾力`],
    ['买买提\u2219艾力', `买买提${dot}艾力`],
    ['买买提\u22C5艾力', `买买提${dot}艾力`],
    ['阿卜杜拉·买买提·艾力', `阿卜杜拉${dot}买买提${dot}艾力`],
    ['𠮷祥', '𠮷祥'],
    ['𠮷𠮷', '𠮷𠮷'],
    // Extensions H and I (Unicode 15 and 15.1), and 〇, the ideographic zero.
    ['\u{31350}\u{2EBF0}', '\u{31350}\u{2EBF0}'],
    ['李〇', '李〇'],
  ])('accepts %j as %s', (raw, expected) => {
    expect(checkName(raw)).toEqual({ ok: true, value: expected });
  });

  it.each([
    ['', 'empty'],
    ['   ', 'empty'],
    ['张', 'too-short'],
    ['𠮷', 'too-short'],
    ['Zhang San', 'bad-character'],
    ['张3', 'bad-character'],
    ['张三!', 'bad-character'],
    ['·张三', 'bad-separator'],
    ['张三·', 'bad-separator'],
    ['张··三', 'bad-separator'],
    ['张三\u200C\u3001', 'bad-character'],
    // Han script, but no ideograph: the iteration mark, Hangzhou numerals, a Khitan mark. A vendor would refuse
    // them after a paid call, or they would be sent only to make it refuse.
    ['张々', 'bad-character'],
    ['张〡', 'bad-character'],
    ['张\u{16FE2}', 'bad-character'],
  ])('refuses %j as %s', (raw, reason) => {
    expect(checkName(raw)).toEqual({ ok: false, reason });
  });

  it('counts code points, not UTF-16 units, up to 50', () => {
    expect(checkName('𠮷'.repeat(50))).toEqual({ ok: true, value: '𠮷'.repeat(50) });
    expect(checkName('𠮷'.repeat(51))).toEqual({ ok: false, reason: 'too-long' });
    expect(checkName('张'.repeat(50)).ok).toBe(true);
    expect(checkName('张'.repeat(51))).toEqual({ ok: false, reason: 'too-long' });
    expect(checkName(`${'张'.repeat(25)}·${'张'.repeat(24)}`).ok).toBe(true);
    expect(checkName(`${'张'.repeat(25)}·${'张'.repeat(25)}`)).toEqual({ ok: false, reason: 'too-long' });
  });

  it('normalises without judging', () => {
    expect(normalizeName(' 买买提 • 艾力 ')).toBe('买买提·艾力');
  });

  it('drops invisible marks, and folds look-alike ideographs into the ones the registry holds', () => {
    expect(checkName('\u202A李四\u202C')).toEqual({ ok: true, value: '李四' });
    expect(checkName('李\u200B四')).toEqual({ ok: true, value: '李四' });
    // The Arabic letter mark is a direction mark as the others are (Bidi_Control), in a name or a number.
    expect(checkName('张\u061C三')).toEqual({ ok: true, value: '张三' });
    expect(checkPhone('\u061C138 0013 8000')).toMatchObject({ ok: true, value: '13800138000' });
    // A variation selector asks a font for a glyph variant of the same character: the registry holds the character.
    expect(checkName('葛\uFE00优')).toEqual({ ok: true, value: '葛优' });
    expect(checkName('葛\u{E0100}优')).toEqual({ ok: true, value: '葛优' });
    expect(checkName('葛\u{E01EF}优\u{E0101}')).toEqual({ ok: true, value: '葛优' });
    // Other characters beyond the BMP stay: an ideograph of Extension B is a name's.
    expect(checkName('\u{20BB7}三')).toEqual({ ok: true, value: '\u{20BB7}三' });
    // U+F9E1 is a compatibility ideograph drawn exactly as 李 (U+674E); U+2F00 is the Kangxi radical 一.
    expect(checkName('\uF9E1四')).toEqual({ ok: true, value: '\u674E四' });
    expect(checkName('王\u2F00')).toEqual({ ok: true, value: '王\u4E00' });
    // A radical with no ideograph to fold into is no name's character.
    expect(checkName('\u2EE9小明')).toEqual({ ok: false, reason: 'bad-character' });
  });
});

describe('formatting as you type', () => {
  it.each([
    ['1', '1'],
    ['138', '138'],
    ['1380', '138 0'],
    ['1380013', '138 0013'],
    ['13800138', '138 0013 8'],
    ['13800138000', '138 0013 8000'],
  ])('groups %s as %j', (digits, formatted) => {
    expect(formatPhone(digits)).toBe(formatted);
  });

  it('keeps the caret after the digit being typed', () => {
    // typing "5" after "138 0" at caret 5 → "138 05" caret 6
    expect(formatPhoneInput('138 05', 6)).toEqual({ value: '138 05', caret: 6 });
    // typing 9 after "138" in "138 0013 800": the caret stays after the 9, past the new space
    expect(formatPhoneInput('1389 0013 800', 4)).toEqual({ value: '138 9001 3800', caret: 5 });
    // deleting the first 0 of "138 0013 8000" with the caret after it
    expect(formatPhoneInput('138 013 8000', 4)).toEqual({ value: '138 0138 000', caret: 3 });
  });

  it('turns a pasted international number into the national one', () => {
    expect(formatPhoneInput('+86 138-0013-8000', 17)).toEqual({ value: '138 0013 8000', caret: 13 });
  });

  it('leaves out a label or words copied with a pasted number, and pastes text without a digit as it is', () => {
    for (const copied of ['手机：13800138000', 'Tel: 138 0013 8000', '电话 138-0013-8000（张三）', '13800138000。', '（+86）138 0013 8000 ']) {
      expect([copied, pastePhoneInput('', copied, 0, 0)]).toEqual([copied, { value: '138 0013 8000', caret: 13 }]);
    }
    // Into the middle: the caret after what was pasted.
    expect(pastePhoneInput('138 8000', '手机尾号前四位 0013', 3, 3)).toEqual({ value: '138 0013 8000', caret: 8 });
    // A letter that looks like a digit at either end is a typo in the number, not a label: kept, and the check
    // refuses the number, rather than a digit short that looks whole (138 0013 800).
    for (const typo of ['1380013800O', 'l3800138000', '138OO138OOO', 'I3800138000']) {
      const { value } = pastePhoneInput('', typo, 0, 0);
      expect([typo, value.replace(/ /g, ''), checkPhone(value).ok]).toEqual([typo, typo, false]);
    }
    // Against a label too; a label or mark apart from the number (a space, a colon, a bar) is left out.
    expect(pastePhoneInput('', 'Tel:l3800138000', 0, 0).value.replace(/ /g, '')).toBe('l3800138000');
    expect(pastePhoneInput('', 'Tel: 1380013800O (Li)', 0, 0).value.replace(/ /g, '')).toBe('1380013800O');
    for (const copied of ['|13800138000|', '13800138000 |', 'Tel: 13800138000 (Li)']) expect(pastePhoneInput('', copied, 0, 0).value).toBe('138 0013 8000');
    // Nothing that could be a number: left for the check to name, not emptied.
    expect(pastePhoneInput('', ' 张三 ', 0, 0)).toEqual({ value: '张三', caret: 2 });
    expect(checkPhone(pastePhoneInput('', ' 张三 ', 0, 0).value)).toMatchObject({ ok: false, reason: 'invalid' });
  });

  it('keeps the caret after the digit typed when that digit completes an international number', () => {
    // "+86 13800 38000" with "1" typed after "13800": the caret stays after that 1, not at the end
    expect(formatPhoneInput('+86 138001 38000', 10)).toEqual({ value: '138 0013 8000', caret: 7 });
    expect(formatPhoneInput('008613800138000', 2)).toEqual({ value: '138 0013 8000', caret: 0 });
  });

  it('deletes the digit beyond a group space on Backspace or Delete, but only the space when it alone was selected', () => {
    // Backspace at "138 |0013 8000" removes the 8; with the space selected, the space comes back and nothing else goes
    expect(editPhoneInput('138 0013 8000', '1380013 8000', 3, 'deleteContentBackward')).toEqual({ value: '130 0138 000', caret: 2 });
    expect(editPhoneInput('138 0013 8000', '1380013 8000', 3, 'deleteContentBackward', true)).toEqual({ value: '138 0013 8000', caret: 3 });
    expect(editPhoneInput('138 0013 8000', '1380013 8000', 3, 'deleteContentForward', true)).toEqual({ value: '138 0013 8000', caret: 3 });
  });
});

describe('checkRequest', () => {
  it('checks the shape, then the name, then the number', () => {
    expect(checkRequest({ name: '张三', phoneNumber: '13800138000' })).toEqual({ ok: true, name: '张三', phoneNumber: '13800138000', carrier: 'china-mobile' });
    expect(checkRequest({ name: 1, phoneNumber: '13800138000' })).toEqual({ ok: false, field: null, reason: 'shape' });
    expect(checkRequest(null)).toEqual({ ok: false, field: null, reason: 'shape' });
    expect(checkRequest({ name: '张', phoneNumber: 'x' })).toEqual({ ok: false, field: 'name', reason: 'too-short' });
    expect(checkRequest({ name: '张三', phoneNumber: '1' })).toEqual({ ok: false, field: 'phone', reason: 'too-short' });
  });

  it('takes only an object whose name and number are text, and a site key that is text or absent', () => {
    const ok = { ok: true, name: '张三', phoneNumber: '13800138000', carrier: 'china-mobile' };
    const shape = { ok: false, field: null, reason: 'shape' };
    expect(checkRequest({ name: '张三', phoneNumber: '13800138000', siteKey: 'site-a' })).toEqual({ ...ok, siteKey: 'site-a' });
    expect(checkRequest({ name: '张三', phoneNumber: '13800138000', siteKey: undefined })).toEqual(ok);
    // Other properties are ignored, and not passed on.
    expect(checkRequest({ name: '张三', phoneNumber: '13800138000', extra: 1 })).toEqual(ok);
    for (const body of [
      undefined,
      '张三',
      13800138000,
      ['张三', '13800138000'],
      {},
      { name: '张三' },
      { phoneNumber: '13800138000' },
      { name: '张三', phoneNumber: 13800138000 },
      { name: ['张三'], phoneNumber: '13800138000' },
      { name: '张三', phoneNumber: '13800138000', siteKey: null },
      { name: '张三', phoneNumber: '13800138000', siteKey: 1 },
      Object.assign(['张三'], { name: '张三', phoneNumber: '13800138000' }),
    ]) {
      expect(checkRequest(body), JSON.stringify(body)).toEqual(shape);
    }
  });
});
