// providers.aws.sign_req: AWS Signature Version 4 for a request object {method, url, headers?,
// body?, raw_body?}, credentials {aws_access_key, aws_secret_access_key, aws_service, aws_region,
// aws_session_token?, disable_payload_signing?} and a time in ns. Returns the request with the signed
// headers added. Bodies that are sets come back as arrays (SDK boundary).
import { createHash, createHmac } from 'node:crypto';
import type { HostBuiltin } from './index.ts';
import { N, SOBJ, OBJ, decl } from './types.ts';
import { fail, isObject, obj } from './errors.ts';
import { toJsonText } from './values.ts';
import { parseUrl, escapePath } from './uri.ts';

const NAME = 'providers.aws.sign_req';

const sha256hex = (s: string | Buffer): string => createHash('sha256').update(s).digest('hex');
const hmac = (k: Buffer | string, s: string): Buffer => createHmac('sha256', k).update(s).digest();

function sortedJson(v: unknown): string {
  if (Array.isArray(v)) return '[' + v.map(sortedJson).join(',') + ']';
  if (isObject(v)) return '{' + Object.keys(v).sort().map((k) => JSON.stringify(k) + ':' + sortedJson(v[k])).join(',') + '}';
  return toJsonText(v);
}

function missingKeys(o: Record<string, unknown>, keys: string[]): string[] {
  return keys.filter((k) => !(k in o));
}

// Headers SigV4 signers leave out because proxies rewrite them.
const IGNORED_HEADERS = new Set(['authorization', 'user-agent', 'x-amzn-trace-id']);

const fmtSet = (ks: string[]): string => '{' + ks.map((k) => JSON.stringify(k)).join(', ') + '}';

export const awsBuiltins: HostBuiltin[] = [
  {
    name: NAME, impl: 'host', decl: decl([SOBJ, SOBJ, N], OBJ),
    fn: (reqArg, cfgArg, timeArg) => {
      const req = obj(NAME, reqArg, 1), cfg = obj(NAME, cfgArg, 2);
      const reqKeys = ['method', 'url'];
      if (missingKeys(req, reqKeys).length) fail(NAME, `operand 1 missing required request parameters(s): ${fmtSet(missingKeys(req, reqKeys))}`);
      if (reqKeys.some((k) => typeof req[k] !== 'string')) fail(NAME, `operand 1 invalid values for required request parameters(s): ${fmtSet(reqKeys)}`);
      const cfgKeys = ['aws_access_key', 'aws_region', 'aws_secret_access_key', 'aws_service'];
      if (missingKeys(cfg, cfgKeys).length) fail(NAME, `operand 2 missing required AWS config parameters(s): ${fmtSet(missingKeys(cfg, cfgKeys))}`);
      if (cfgKeys.some((k) => typeof cfg[k] !== 'string')) fail(NAME, `operand 2 invalid values for required AWS config parameters(s): ${fmtSet(cfgKeys)}`);
      const token = cfg.aws_session_token;
      if (token !== undefined && typeof token !== 'string') fail(NAME, 'operand 2 invalid value for aws_session_token');
      const unsigned = cfg.disable_payload_signing ?? false;
      if (typeof unsigned !== 'boolean') fail(NAME, "operand 2 invalid value for 'disable_payload_signing' in AWS config");
      if (typeof timeArg !== 'number' && typeof timeArg !== 'bigint') fail(NAME, 'operand 3 must be a number');
      const ns = BigInt(typeof timeArg === 'number' ? Math.trunc(timeArg) : timeArg);
      if (ns < 0n) fail(NAME, 'operand 3 could not convert time_ns value into a unix timestamp');
      let url: ReturnType<typeof parseUrl>;
      try { url = parseUrl(req.url as string); } catch { return fail(NAME, 'invalid url'); }
      const host = (url.hostname.includes(':') ? `[${url.hostname}]` : url.hostname) + (url.port ? ':' + url.port : '');
      const headersIn = req.headers === undefined ? {} : obj(NAME, req.headers, 1);

      let payload = '';
      if (typeof req.raw_body === 'string') payload = req.raw_body;
      else if (req.body !== undefined) payload = sortedJson(req.body);
      const contentSha = unsigned ? 'UNSIGNED-PAYLOAD' : sha256hex(payload);

      const d = new Date(Number(ns / 1_000_000n));
      const amzDate = d.toISOString().replace(/[-:]/g, '').replace(/\.\d{3}/, '');
      const day = amzDate.slice(0, 8);
      const service = cfg.aws_service as string, region = cfg.aws_region as string;

      // As OPA: the AWS headers, overridden by the request's own (lower-cased) headers; the method,
      // escaped path and raw query go into the canonical request as given.
      const aws = new Map<string, string>([['host', host], ['x-amz-date', amzDate]]);
      if (service === 's3' || service === 'glacier') aws.set('x-amz-content-sha256', contentSha);
      if (token) aws.set('x-amz-security-token', token);
      const signed = new Map(aws);
      for (const [k, v] of Object.entries(headersIn)) {
        if (typeof v !== 'string') fail(NAME, 'header values must be strings');
        if (!IGNORED_HEADERS.has(k.toLowerCase())) signed.set(k.toLowerCase(), v);
      }
      const names = [...signed.keys()].sort();
      const canonicalHeaders = names.map((n) => `${n}:${signed.get(n)!}\n`).join('');
      const path = url.rawPath || escapePath(url.path);
      const canonical = [req.method as string, path, url.rawQuery, canonicalHeaders, names.join(';'), contentSha].join('\n');
      const scope = `${day}/${region}/${service}/aws4_request`;
      const toSign = ['AWS4-HMAC-SHA256', amzDate, scope, sha256hex(canonical)].join('\n');
      const key = hmac(hmac(hmac(hmac('AWS4' + (cfg.aws_secret_access_key as string), day), region), service), 'aws4_request');
      const signature = createHmac('sha256', key).update(toSign).digest('hex');

      const headersOut: Record<string, unknown> = {};
      for (const [k, v] of Object.entries(headersIn)) headersOut[k] = v;
      for (const [n, v] of aws) headersOut[n] = v;
      headersOut.Authorization = `AWS4-HMAC-SHA256 Credential=${cfg.aws_access_key as string}/${scope},SignedHeaders=${names.join(';')},Signature=${signature}`;
      return { ...req, headers: headersOut };
    },
  },
];
