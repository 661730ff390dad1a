// Network and host builtins are refused by name at compile time, in OPA's wording plus the reason.
import { describe, expect, it } from 'vitest';
import { compile, formatDiagnostics } from '../../../opa/index.ts';

describe('refused builtins', () => {
  for (const [call, why] of [
    ['http.send({"method": "get", "url": "http://example.com"})', 'do not reach the network'],
    ['net.lookup_ip_addr("example.com")', 'do not reach the network'],
    ['opa.runtime()', 'runtime environment'],
  ]) {
    it(call.split('(')[0], () => {
      const r = compile([{ file: 'n.rego', text: `package n\n\np := x if { x := ${call} }\n` }], { entrypoints: ['n/p'] });
      expect(r.ok).toBe(false);
      const text = formatDiagnostics(r);
      expect(text).toMatch(new RegExp(`n\\.rego:3:\\d+: rego_type_error: undefined function ${call.split('(')[0].replace('.', '\\.')} \\(refused: .*${why}`));
    });
  }
});
