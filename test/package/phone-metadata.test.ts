// The China-only phone metadata: the committed module is a fresh slice of libphonenumber-js's own, and still types mobiles.
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { parsePhoneNumberFromString } from 'libphonenumber-js/core';
import mobileMetadata from 'libphonenumber-js/metadata.mobile.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { chinaSlice, outputPath, serialise } from '../../scripts/phone-metadata.mjs';
import { chinaMobileMetadata } from '../../widget/phone-metadata.js';
import { checkPhone } from '../../widget/validation.js';

const isMobile = (digits: string, metadata: typeof chinaMobileMetadata) => {
  const parsed = parsePhoneNumberFromString(digits, 'CN', metadata);
  return parsed?.isValid() === true && parsed.getType() === 'MOBILE';
};
const stock = mobileMetadata as unknown as typeof chinaMobileMetadata;

describe('widget/phone-metadata.ts', () => {
  it('is exactly what scripts/phone-metadata.mjs makes from the installed libphonenumber-js', async () => {
    expect(await readFile(outputPath, 'utf8')).toBe(serialise(await chinaSlice()));
  });

  it('knows China and nothing else', () => {
    expect(Object.keys(chinaMobileMetadata.countries)).toEqual(['CN']);
    expect(chinaMobileMetadata.country_calling_codes).toEqual({ 86: ['CN'] });
  });

  it.each(['13800138000', '18612345678', '13312345678', '19212345678', '17012345678', '15912345678', '19912345678'])(
    'types %s as MOBILE',
    (digits) => {
      const parsed = parsePhoneNumberFromString(digits, 'CN', chinaMobileMetadata);
      expect(parsed?.isValid()).toBe(true);
      expect(parsed?.getType()).toBe('MOBILE');
      expect(checkPhone(digits)).toMatchObject({ ok: true, value: digits });
    },
  );

  it('does not take a Beijing landline or a short number for a mobile', () => {
    expect(isMobile('01012345678', chinaMobileMetadata)).toBe(false);
    expect(isMobile('1380013800', chinaMobileMetadata)).toBe(false);
    expect(checkPhone('12012345678')).toMatchObject({ ok: false, reason: 'not-mobile' });
  });

  it('gives checkPhone the verdict of libphonenumber-js\'s own parser with its stock metadata, for every segment', () => {
    const digitsOf = (prefix: number, rest: string) => `${prefix}${rest}`.slice(0, 11);
    const rests = ['0000000', '1234567', '5555555', '9876543', '9999999'];
    // The carriers table refuses data-only, IoT and satellite segments before libphonenumber-js is asked.
    const verdictOf = (digits: string) => {
      const check = checkPhone(digits);
      return !check.ok && check.segment !== undefined ? null : check.ok;
    };
    let mobiles = 0;
    for (let prefix = 1000; prefix <= 1999; prefix++) {
      for (const rest of rests) {
        const digits = digitsOf(prefix, rest);
        const verdict = verdictOf(digits);
        if (verdict !== null) expect([digits, verdict]).toEqual([digits, isMobile(digits, stock)]);
        if (verdict) mobiles++;
      }
    }
    // Most of the 1xxx prefixes are mobile segments; the sweep must have seen both verdicts plenty.
    expect(mobiles).toBeGreaterThan(2000);
    expect(mobiles).toBeLessThan(5000);
    fc.assert(
      fc.property(fc.stringMatching(/^1\d{10}$/), (digits) => {
        const verdict = verdictOf(digits);
        if (verdict !== null) expect(verdict).toBe(isMobile(digits, stock));
      }),
      { numRuns: 3000 },
    );
  });

  it('answers like the stock mobile metadata for any 11 digits, and for any digits starting with 1', () => {
    const elevenDigits = fc.stringMatching(/^\d{11}$/);
    const mobileLike = fc.stringMatching(/^1[3-9]\d{6,10}$/);
    fc.assert(
      fc.property(fc.oneof(elevenDigits, mobileLike), (digits) => {
        expect(isMobile(digits, chinaMobileMetadata)).toBe(isMobile(digits, stock));
      }),
      { numRuns: 3000 },
    );
  });
});
