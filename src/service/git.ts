// Git smart HTTP at /git/policies.git/*: `git-http-backend` speaks the protocol, the system `git`
// serves the bare repository. Pushers authenticate with HTTP Basic (password = their token); a push
// answers only after the accepted revision is active, so `git push` returning means it is live.
import { spawn } from 'node:child_process';
import { createGunzip } from 'node:zlib';
import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import backend from 'git-http-backend';
import { basicPassword, bearerToken, type CallerTable } from './auth.ts';
import type { PolicyStore } from '../policy/store.ts';
import type { ServiceMetrics } from './metrics.ts';

export interface GitRouteOptions {
  callers: CallerTable;
  store: PolicyStore;
  metrics: ServiceMetrics;
  log: (msg: string) => void;
}

function refuse(reply: FastifyReply, status: number, message: string, challenge = false): void {
  if (challenge) void reply.header('www-authenticate', 'Basic realm="writ policies", charset="UTF-8"');
  void reply.code(status).type('text/plain').send(message + '\n');
}

export async function gitRoutes(app: FastifyInstance, opts: GitRouteOptions): Promise<void> {
  // Leave request bodies unread: the pack stream goes to git as it arrives.
  app.removeAllContentTypeParsers();
  app.addContentTypeParser('*', (_req, _payload, done) => done(null));

  const handler = async (request: FastifyRequest, reply: FastifyReply) => {
    const token = basicPassword(request.headers.authorization) ?? bearerToken(request.headers.authorization);
    const caller = token ? opts.callers.identify(token) : undefined;
    if (!caller) return refuse(reply, 401, 'writ: authentication required (user: any, password: a pusher token)', true);
    const sub = request.url.slice(request.url.indexOf('/policies.git') + '/policies.git'.length);
    const push = sub.includes('git-receive-pack');
    if (push ? caller.role !== 'pusher' : caller.role !== 'pusher' && caller.role !== 'admin') {
      return refuse(reply, 403, `writ: caller ${caller.name} (${caller.role}) may not ${push ? 'push to' : 'fetch from'} the policy repository`);
    }
    reply.hijack();
    const res = reply.raw;
    const body = request.headers['content-encoding'] === 'gzip' ? request.raw.pipe(createGunzip()) : request.raw;
    const b = backend(sub, (err: Error | null, service: any) => {
      if (err) {
        if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
        res.end(`writ: ${err.message}\n`);
        return;
      }
      res.setHeader('content-type', service.type);
      res.setHeader('cache-control', 'no-cache');
      const ps = spawn('git', [service.cmd.replace(/^git-/, ''), ...service.args, opts.store.repo], {
        env: { ...process.env, GIT_DIR: opts.store.repo, WRIT_PUSHER: caller.name },
        stdio: ['pipe', 'pipe', 'pipe'],
      });
      ps.stderr.on('data', (d: Buffer) => opts.log(`git ${service.cmd}: ${d.toString().trimEnd()}`));
      ps.stdout.pipe(service.createStream()).pipe(ps.stdin);
    });
    b.on('error', (err: Error) => {
      if (!res.headersSent) res.writeHead(400, { 'content-type': 'text/plain' });
      res.end(`writ: ${err.message}\n`);
    });
    body.pipe(b);
    b.pipe(res, { end: false });
    b.on('end', () => {
      if (!push || sub.includes('/info/refs')) return void res.end();
      // The ref has moved (or the hook refused and it has not): activate before answering.
      opts.store
        .syncBranch(caller.name)
        .catch((e: Error & { diagnostics?: string }) => {
          opts.metrics.failures.inc({ kind: 'activation_refused' });
          opts.log(`activation after push by ${caller.name} failed: ${e.message}\n${e.diagnostics ?? ''}`);
        })
        .finally(() => res.end());
    });
  };
  app.route({ method: ['GET', 'POST'], url: '/git/policies.git/*', handler });
}
