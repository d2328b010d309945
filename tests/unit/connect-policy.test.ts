import { describe, expect, it } from 'vitest';
import {
  approveOrigin,
  approvedOrigins,
  connectPolicy,
  isHubOrigin,
  isTrustedOrigin,
} from '../../src/ui/connect-policy.ts';
import { hostsToApprove } from '../../src/ui/link-hosts.ts';

/** A Storage in memory (sessionStorage is the browser's). */
function memoryStorage(): Storage {
  const m = new Map<string, string>();
  return {
    get length() {
      return m.size;
    },
    clear: () => m.clear(),
    getItem: (k) => m.get(k) ?? null,
    key: (i) => [...m.keys()][i] ?? null,
    removeItem: (k) => void m.delete(k),
    setItem: (k, v) => void m.set(k, String(v)),
  };
}

describe('hosts the page downloads from', () => {
  const page = 'http://127.0.0.1:4173';

  it('needs no approval for this site and the hub with its CDN hosts, only for others', () => {
    for (const o of [
      'https://huggingface.co',
      'https://cdn-lfs.huggingface.co',
      'https://cdn-lfs-us-1.hf.co',
      'https://cas-bridge.xethub.hf.co',
    ]) {
      expect(isHubOrigin(o), o).toBe(true);
      expect(isTrustedOrigin(o, page, []), o).toBe(true);
    }
    for (const o of [
      'http://huggingface.co',
      'https://huggingface.co.evil.example',
      'https://evilhuggingface.co',
      'https://hf.co.example',
    ]) {
      expect(isHubOrigin(o), o).toBe(false);
    }
    expect(isTrustedOrigin(page, page, [])).toBe(true);
    expect(isTrustedOrigin('https://other.host', page, [])).toBe(false);
    expect(isTrustedOrigin('https://other.host', page, ['https://other.host'])).toBe(true);
    expect(connectPolicy(['https://other.host'])).toBe(
      "connect-src 'self' https://huggingface.co https://*.huggingface.co https://hf.co " +
        'https://*.hf.co https://other.host',
    );
  });

  it('remembers approvals in the tab’s storage, origins only', () => {
    const s = memoryStorage();
    expect(approvedOrigins(s)).toEqual([]);
    approveOrigin('https://other.host', s);
    approveOrigin('https://other.host', s);
    approveOrigin('http://127.0.0.1:9000', s);
    expect(approvedOrigins(s)).toEqual(['https://other.host', 'http://127.0.0.1:9000']);
    expect(() => approveOrigin('https://other.host/path', s)).toThrow(/not an http\(s\) origin/);
    expect(() => approveOrigin("https://x.example 'unsafe-inline'", s)).toThrow();
    s.setItem('gpt2-playground:approved-hosts', '["javascript:alert(1)", "https://ok.example", 3]');
    expect(approvedOrigins(s)).toEqual(['https://ok.example']);
    s.setItem('gpt2-playground:approved-hosts', '{not json');
    expect(approvedOrigins(s)).toEqual([]);
  });

  it('asks for a link’s foreign model host and hub, naming the host', () => {
    const url = { kind: 'url' as const, url: 'https://other.host/m' };
    expect(hostsToApprove({ model: url, hubBase: null }, page, [])).toEqual([
      {
        what: 'model',
        origin: 'https://other.host',
        host: 'other.host',
        url: 'https://other.host/m',
      },
    ]);
    expect(hostsToApprove({ model: null, hubBase: 'http://127.0.0.1:9000' }, page, [])).toEqual([
      {
        what: 'hub',
        origin: 'http://127.0.0.1:9000',
        host: '127.0.0.1:9000',
        url: 'http://127.0.0.1:9000',
      },
    ]);
    expect(hostsToApprove({ model: url, hubBase: null }, page, ['https://other.host'])).toEqual([]);
    const same = { kind: 'url' as const, url: `${page}/weights/tiny-trained` };
    expect(hostsToApprove({ model: same, hubBase: null }, page, [])).toEqual([]);
    const hub = { kind: 'hub' as const, repo: 'openai-community/gpt2', revision: 'main' };
    expect(hostsToApprove({ model: hub, hubBase: null }, page, [])).toEqual([]);
  });
});
