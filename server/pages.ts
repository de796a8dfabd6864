// The demo and monitoring pages wherever a site mounts the app: each is served with a base element naming that place.
//
// The pages use relative URLs only (their files, the script-tag bundle, the API), so one build works at the site's
// root and under `site.route('/kyc', app)` alike; the base element is what they are resolved against. Without it,
// the demo would be at `/kyc` and its `carrier-verify.js` would resolve to the site's `/carrier-verify.js`.

/**
 * The path the app is mounted at, as the request's URL spells it: `''` at the site's root, `/kyc` under
 * `site.route('/kyc', app)`. It is the request's path less the page's own path in the app (`/`, `/dashboard`);
 * a trailing slash (a site with `strict: false`) and repeated slashes are dropped, so that the base is never
 * `//host/`, another origin's.
 */
export function mountPath(url: string, own: string): string {
  const path = new URL(url).pathname.replace(/\/{2,}/g, '/').replace(/\/$/, '');
  const suffix = own.replace(/\/$/, '');
  return path.endsWith(suffix) ? path.slice(0, path.length - suffix.length) : '';
}

const attribute = (text: string): string => text.replaceAll('&', '&amp;').replaceAll('"', '&quot;');

/** The page with `<base href>` at the top of its head, its other headers kept (the length is the new one's). */
export async function withBase(page: Response, href: string): Promise<Response> {
  const html = await page.text();
  const base = `<base href="${attribute(href)}" />`;
  const head = /<head(?:\s[^>]*)?>/i.exec(html);
  const body = head ? `${html.slice(0, head.index + head[0].length)}${base}${html.slice(head.index + head[0].length)}` : base + html;
  const headers = new Headers(page.headers);
  headers.delete('content-length');
  return new Response(body, { status: page.status, headers });
}
