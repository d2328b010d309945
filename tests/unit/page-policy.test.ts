import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { APP_CSP, BENCH_CSP, securityHeaders } from '../../src/ui/page-policy.ts';

function metaPolicy(file: string): string | null {
  const html = readFileSync(file, 'utf8');
  const m = /<meta\s+http-equiv="Content-Security-Policy"\s+content="([^"]*)"/.exec(html);
  return m ? m[1] : null;
}

describe('the page policy', () => {
  it('is the same in index.html, bench.html and the servers’ headers', () => {
    expect(metaPolicy('index.html')).toBe(APP_CSP);
    expect(metaPolicy('bench.html')).toBe(BENCH_CSP);
    for (const f of ['index.html', 'bench.html']) {
      expect(readFileSync(f, 'utf8')).toContain('<meta name="referrer" content="no-referrer" />');
    }
    const h = securityHeaders(APP_CSP);
    expect(h['Content-Security-Policy']).toBe(`${APP_CSP}; frame-ancestors 'none'`);
    expect(h['Referrer-Policy']).toBe('no-referrer');
  });

  it('allows scripts only from this site: no inline script, no eval, no plugins, no <base>', () => {
    for (const csp of [APP_CSP, BENCH_CSP]) {
      const d = new Map(csp.split('; ').map((x) => [x.split(' ')[0], x.split(' ').slice(1)]));
      expect(d.get('script-src')).toEqual(["'self'"]);
      expect(d.get('default-src')).toEqual(["'self'"]);
      expect(d.get('object-src')).toEqual(["'none'"]);
      expect(d.get('base-uri')).toEqual(["'none'"]);
      expect(csp).not.toMatch(/unsafe-eval|script-src[^;]*unsafe-inline/);
    }
    expect(BENCH_CSP).toContain("connect-src 'self'");
  });
});
