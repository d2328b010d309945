/**
 * Which hosts this page downloads model files from: this site, the Hugging Face hub (and
 * the CDN hosts its /resolve/ URLs redirect to: cdn-lfs.huggingface.co, cdn-lfs-us-1.hf.co,
 * cas-bridge.xethub.hf.co, ...), and any other host only after the user approved it by name.
 * A link cannot approve a host: whoever sends it would choose what the user believes is
 * GPT-2 and fill their cache and GPU memory. Approvals last for this tab (sessionStorage),
 * and are enforced by a connect-src policy the page adds at start-up (see page-policy.ts).
 */

/** Hub origins as connect-src sources (wildcards cover the CDN's subdomains at any depth). */
export const HUB_CONNECT_SOURCES = [
  'https://huggingface.co',
  'https://*.huggingface.co',
  'https://hf.co',
  'https://*.hf.co',
];

const STORAGE_KEY = 'gpt2-playground:approved-hosts';

/** Origins of the official hub: its files need no approval. */
export function isHubOrigin(origin: string): boolean {
  let url: URL;
  try {
    url = new URL(origin);
  } catch {
    return false;
  }
  const h = url.hostname;
  return (
    url.protocol === 'https:' &&
    (h === 'huggingface.co' ||
      h.endsWith('.huggingface.co') ||
      h === 'hf.co' ||
      h.endsWith('.hf.co'))
  );
}

/** http(s) origins the user approved in this tab. */
export function approvedOrigins(storage: Storage | null = sessionStorageOrNull()): string[] {
  if (!storage) return [];
  let list: unknown;
  try {
    list = JSON.parse(storage.getItem(STORAGE_KEY) ?? '[]');
  } catch {
    return [];
  }
  return Array.isArray(list)
    ? list.filter((o): o is string => typeof o === 'string' && isOrigin(o))
    : [];
}

export function approveOrigin(
  origin: string,
  storage: Storage | null = sessionStorageOrNull(),
): void {
  if (!isOrigin(origin)) throw new TypeError(`"${origin}" is not an http(s) origin`);
  if (!storage) return;
  const list = approvedOrigins(storage);
  if (!list.includes(origin)) storage.setItem(STORAGE_KEY, JSON.stringify([...list, origin]));
}

/** Files at `origin` may be fetched without asking: this site, the hub, or approved. */
export function isTrustedOrigin(
  origin: string,
  pageOrigin: string,
  approved: readonly string[],
): boolean {
  return origin === pageOrigin || isHubOrigin(origin) || approved.includes(origin);
}

/** The narrow connect-src policy for this tab. */
export function connectPolicy(approved: readonly string[]): string {
  return `connect-src 'self' ${[...HUB_CONNECT_SOURCES, ...approved].join(' ')}`;
}

/**
 * Adds the narrow policy to the page. Must run before the first download: main.ts imports
 * this module first. Policies only ever tighten, so nothing later can widen it.
 */
export function installConnectPolicy(doc: Document = document): void {
  const meta = doc.createElement('meta');
  meta.httpEquiv = 'Content-Security-Policy';
  meta.content = connectPolicy(approvedOrigins());
  doc.head.append(meta);
}

function isOrigin(s: string): boolean {
  try {
    const u = new URL(s);
    return (u.protocol === 'http:' || u.protocol === 'https:') && u.origin === s;
  } catch {
    return false;
  }
}

function sessionStorageOrNull(): Storage | null {
  try {
    return globalThis.sessionStorage ?? null;
  } catch {
    return null; // storage disabled: nothing is remembered, every foreign host asks again
  }
}
