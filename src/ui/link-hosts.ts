/**
 * Which hosts a link (or a typed URL) would download from that the user has not approved:
 * anything but this site and the Hugging Face hub (see connect-policy.ts).
 */
import { isTrustedOrigin } from './connect-policy.ts';
import type { ModelChoice } from './model-choices.ts';

export interface HostToApprove {
  /** 'model': a URL folder's host; 'hub': a hub address other than huggingface.co. */
  what: 'model' | 'hub';
  origin: string;
  /** The host as people read it: "other.host", "127.0.0.1:8080". */
  host: string;
  /** The folder URL or hub address asked for. */
  url: string;
}

export function hostsToApprove(
  request: { model: ModelChoice | null; hubBase: string | null },
  pageOrigin: string,
  approved: readonly string[],
): HostToApprove[] {
  const out: HostToApprove[] = [];
  const check = (what: HostToApprove['what'], url: string) => {
    const u = new URL(url);
    if (!isTrustedOrigin(u.origin, pageOrigin, approved)) {
      out.push({ what, origin: u.origin, host: u.host, url });
    }
  };
  if (request.model?.kind === 'url') check('model', request.model.url);
  if (request.hubBase !== null) check('hub', request.hubBase);
  return out;
}
