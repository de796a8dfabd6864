// The demo and monitoring pages wherever a site mounts the app: each is served with a base element naming that place.
//
// The pages use relative URLs only (their files, the script-tag bundle, the API), so one build works at the site's
// root and under `site.route('/kyc', app)` alike; the base element is what they are resolved against. Without it,
// the demo would be at `/kyc` and its `carrier-verify.js` would resolve to the site's `/carrier-verify.js`.

/**
 * The base for the app mounted at `mount` (as Hono's `basePath` gives it, decoded: `/` at the site's root, `/kyc`,
 * `/acme/kyc` for `/:tenant/kyc`): encoded as a URL path, with repeated slashes dropped so that it is never
 * `//host/`, another origin's, and ending in one slash.
 */
export function baseHref(mount: string): string {
  return `${encodeURI(mount).replace(/\/{2,}/g, '/').replace(/\/$/, '')}/`;
}

const attribute = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('"', '&quot;');

/**
 * The page with `<base href>` at the top of its head (after the doctype when it has no head tag, so as not to
 * change its rendering mode). Headers are kept but those that described the old bytes (length, ETag, digest);
 * a page that is not plain HTML text (a compressed one from an `assets` fetcher, say) is left as it is.
 */
export async function withBase(page: Response, href: string): Promise<Response> {
  const encoding = page.headers.get('content-encoding');
  if (!/^text\/html\b/i.test(page.headers.get('content-type') ?? '') || (encoding !== null && !/^\s*identity\s*$/i.test(encoding))) return page;
  const html = await page.text();
  const base = `<base href="${attribute(href)}" />`;
  const at = /<head(?:\s[^>]*)?>/i.exec(html) ?? /^\s*<!doctype[^>]*>/i.exec(html);
  const end = at ? at.index + at[0].length : 0;
  const headers = new Headers(page.headers);
  for (const stale of ['content-length', 'etag', 'content-md5', 'digest']) headers.delete(stale);
  return new Response(html.slice(0, end) + base + html.slice(end), { status: page.status, headers });
}
