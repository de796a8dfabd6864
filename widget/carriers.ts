// The number-segment table: which operator a Chinese mobile number was issued to (a hint: numbers can be ported).

/** Every operator a segment can name. */
export const carrierIds = ['china-mobile', 'china-unicom', 'china-telecom', 'china-broadnet', 'virtual'] as const;
export type CarrierId = (typeof carrierIds)[number];

/** What a segment is for: ordinary mobile service, or a kind a two-element check cannot use. */
export type SegmentKind = 'mobile' | 'data-only' | 'iot' | 'satellite';

export interface Segment {
  readonly carrier: CarrierId;
  readonly kind: SegmentKind;
}

const mobile = (carrier: CarrierId): Segment => ({ carrier, kind: 'mobile' });

// Keys are number prefixes; the longest matching prefix wins (1349 before 134).
const segments: Record<string, Segment> = {
  // China Mobile
  ...Object.fromEntries(
    ['134', '135', '136', '137', '138', '139', '147', '150', '151', '152', '157', '158', '159', '172', '178', '182', '183', '184', '187', '188', '195', '197', '198'].map(
      (p) => [p, mobile('china-mobile')],
    ),
  ),
  // China Unicom
  ...Object.fromEntries(
    ['130', '131', '132', '155', '156', '166', '175', '176', '185', '186', '196'].map((p) => [p, mobile('china-unicom')]),
  ),
  // China Telecom
  ...Object.fromEntries(
    ['133', '153', '173', '177', '180', '181', '189', '190', '191', '193', '199'].map((p) => [p, mobile('china-telecom')]),
  ),
  // China Broadnet
  '192': mobile('china-broadnet'),
  '1610': mobile('china-broadnet'),
  // Virtual operators (MVNO) resell the big three's networks
  ...Object.fromEntries(['162', '165', '167', '170', '171'].map((p) => [p, mobile('virtual')])),
  // Data-only cards: no voice, no real-name record a two-element check can use
  '145': { carrier: 'china-unicom', kind: 'data-only' },
  '146': { carrier: 'china-unicom', kind: 'data-only' },
  '148': { carrier: 'china-mobile', kind: 'data-only' },
  '149': { carrier: 'china-telecom', kind: 'data-only' },
  // Internet-of-things segments
  '140': { carrier: 'china-unicom', kind: 'iot' },
  '141': { carrier: 'china-telecom', kind: 'iot' },
  '144': { carrier: 'china-mobile', kind: 'iot' },
  // Satellite phones
  '1349': { carrier: 'china-telecom', kind: 'satellite' },
  '174': { carrier: 'china-telecom', kind: 'satellite' },
};

/** The segment of a (possibly partial) national number, or null when its first digits name none yet. */
export function segmentOf(digits: string): Segment | null {
  return segments[digits.slice(0, 4)] ?? segments[digits.slice(0, 3)] ?? null;
}

/** The carrier a number segment was issued to, or null. */
export function carrierOf(digits: string): CarrierId | null {
  return segmentOf(digits)?.carrier ?? null;
}
