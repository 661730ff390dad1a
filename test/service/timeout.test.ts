// limits.request_timeout_ms: a client that never finishes its request is cut off with 408.
import { describe, it, expect, afterAll } from 'vitest';
import { connect } from 'node:net';
import { open, tokens } from './helpers.ts';
import type { Service } from '../../src/service/service.ts';

let svc: Service | undefined;
afterAll(async () => svc?.close());

describe('request timeout', () => {
  it('a slow body is answered 408 after limits.request_timeout_ms', async () => {
    svc = await open({ raw: { limits: { request_timeout_ms: 300 } } });
    await svc.app.listen({ host: '127.0.0.1', port: 0 });
    const port = (svc.app.server.address() as { port: number }).port;
    const t0 = Date.now();
    const answer = await new Promise<string>((done) => {
      const sock = connect(port, '127.0.0.1', () => {
        sock.write(`POST /v1/decisions HTTP/1.1\r\nhost: x\r\nauthorization: Bearer ${tokens.enforcer}\r\ncontent-type: application/json\r\ncontent-length: 100\r\n\r\n{"input":`);
      });
      let text = '';
      sock.on('data', (d) => (text += d));
      sock.on('close', () => done(text));
      setTimeout(() => sock.destroy(), 10_000); // never hang the suite
    });
    expect(answer).toMatch(/^HTTP\/1\.1 408/);
    expect(Date.now() - t0).toBeGreaterThanOrEqual(250);
    expect(Date.now() - t0).toBeLessThan(5000);
  });
});
