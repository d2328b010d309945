/**
 * The page's Content-Security-Policy, one definition for the meta tags of index.html and
 * bench.html (a unit test checks they match) and the headers of `vite` and `vite preview`.
 *
 * Scripts come only from this site: no inline script, no eval, no plugins, no <base>. Styles
 * may be inline because Vite's dev server and Lit (where adoptedStyleSheets is missing) add
 * <style> elements; a style cannot run code.
 *
 * Downloads (connect-src) are limited in two layers, because a meta policy cannot change
 * once the page has it:
 * - this static policy allows this site, https: and the local test servers, so that a host
 *   the user approves later is not blocked by a policy written before the approval;
 * - at start-up the app adds a second, narrower policy (connect-policy.ts): this site, the
 *   Hugging Face hub and its CDN hosts, and the hosts the user approved in this tab. Both
 *   policies apply, so the narrower one decides. Approving a host reloads the page (its
 *   state is in the URL) so the new policy names it.
 * The benchmark page downloads nothing but its own files: connect-src 'self' only.
 */
const COMMON = [
  "default-src 'self'",
  "script-src 'self'",
  "style-src 'self' 'unsafe-inline'",
  "img-src 'self' data: blob:",
  "worker-src 'self'",
  "object-src 'none'",
  "base-uri 'none'",
  "form-action 'none'",
  "frame-src 'none'",
];

export const APP_CSP = [
  ...COMMON,
  "connect-src 'self' https: http://127.0.0.1:* http://localhost:*",
].join('; ');

export const BENCH_CSP = [...COMMON, "connect-src 'self'"].join('; ');

/** Headers the dev and preview servers add (a static host should send the same). */
export function securityHeaders(csp: string): Record<string, string> {
  return {
    'Content-Security-Policy': `${csp}; frame-ancestors 'none'`,
    'Referrer-Policy': 'no-referrer',
    'X-Content-Type-Options': 'nosniff',
  };
}
