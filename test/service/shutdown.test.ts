// Closing the service while a request is still running on a keep-alive connection (an enforcer's pooled
// connection, say): the request is answered, and the close does not then wait for that connection's
// keep-alive timeout (72 s) before it finishes.
import { describe, it, expect, afterAll } from 'vitest';
import http from 'node:http';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { open, auth, pgInput, policyDir } from './helpers.ts';
import { TestIssuer } from '../identity/issuer.ts';
import * as cs from '../identity/claimsets.ts';

let slow: Server | undefined;
let iss: TestIssuer | undefined;
afterAll(async () => {
  slow?.closeAllConnections();
  await new Promise((r) => slow?.close(r) ?? r(undefined));
  await iss?.stop();
});

describe('shutdown', () => {
  it('answers the request in flight and finishes closing within seconds, though its connection is kept alive', async () => {
    iss = await TestIssuer.start();
    await iss.addKey('rsa-1', 'RS256');
    // A JWKS endpoint that answers after 800 ms: the decision is still running when the close begins.
    slow = createServer((_req, res) => {
      setTimeout(() => {
        void fetch(iss!.jwksUrl).then(async (r) => {
          res.writeHead(200, { 'content-type': 'application/json' });
          res.end(await r.text());
        });
      }, 800);
    });
    await new Promise<void>((ok) => slow!.listen(0, '127.0.0.1', ok));
    const jwks = `http://127.0.0.1:${(slow.address() as AddressInfo).port}/keys`;
    const svc = await open({
      policiesDir: policyDir({ 'p.rego': 'package writ.postgres\n\ndecision := {"allow": true}\n' }),
      raw: { identity: { issuers: [{ name: 'entra', preset: 'entra_id', tenants: [cs.tenant], versions: ['v2'], audiences: [cs.apiClientId], jwks_url: jwks }] } },
    });
    const base = await svc.app.listen({ host: '127.0.0.1', port: 0 });
    const token = await iss.sign(cs.entraV2ManagedIdentity(Math.floor(Date.now() / 1000)), 'rsa-1');
    const agent = new http.Agent({ keepAlive: true });
    const body = JSON.stringify({ input: pgInput(), client_token: token });
    const answer = new Promise<{ status: number; text: string }>((done, fail) => {
      const req = http.request(`${base}/v1/decisions`, { method: 'POST', agent, headers: { ...auth('enforcer'), 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) } }, (res) => {
        let text = '';
        res.on('data', (d) => (text += d));
        res.on('end', () => done({ status: res.statusCode!, text }));
      });
      req.on('error', fail);
      req.end(body);
    });
    await new Promise((r) => setTimeout(r, 300));
    const t0 = performance.now();
    await svc.close();
    const closeMs = performance.now() - t0;
    const a = await answer;
    expect(a.status).toBe(200);
    expect(JSON.parse(a.text).allow).toBe(true);
    expect(closeMs).toBeLessThan(5000);
    agent.destroy();
  }, 30_000);
});
