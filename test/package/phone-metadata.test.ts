// The China-only phone metadata: the committed module is a fresh slice of libphonenumber-js's own, and still types mobiles.
import fc from 'fast-check';
import { readFile } from 'node:fs/promises';
import { parsePhoneNumberFromString } from 'libphonenumber-js/core';
import mobileMetadata from 'libphonenumber-js/metadata.mobile.json' with { type: 'json' };
import { describe, expect, it } from 'vitest';
import { chinaSlice, outputPath, serialise } from '../../scripts/phone-metadata.mjs';
import { chinaMobileMetadata } from '../../widget/phone-metadata.js';
import { checkPhone, isMobileNumber } from '../../widget/validation.js';

// A Chinese mobile: with the world's metadata, `00` + 9 digits also parses, as a mobile abroad (`00278200000`, South Africa).
const isMobile = (digits: string, metadata: typeof chinaMobileMetadata) => {
  const parsed = parsePhoneNumberFromString(digits, 'CN', metadata);
  return parsed?.country === 'CN' && parsed.isValid() && parsed.getType() === 'MOBILE';
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

  it('types every 11 digits as parse() with the stock metadata does: each five-digit prefix, with low and high endings', () => {
    // The patterns that decide (mobile ranges, national prefixes) look at five digits at most.
    const disagreements: string[] = [];
    for (let prefix = 0; prefix < 100_000; prefix++) {
      for (const ending of ['000000', '999999']) {
        const digits = String(prefix).padStart(5, '0') + ending;
        if (isMobileNumber(digits) !== isMobile(digits, stock)) disagreements.push(digits);
      }
    }
    expect(disagreements).toEqual([]);
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
