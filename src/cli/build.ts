// writ build: compile Rego to an OPA bundle (/policy.wasm, /data.json, /.manifest), like `opa build -t wasm`.
import { readFileSync, writeFileSync } from 'node:fs';
import { compile, formatDiagnostics, type Capabilities } from '../../opa/index.ts';
import { writeBundle } from '../bundle/bundle.ts';
import { signBundle, signingAlgs, type SigningAlg } from '../bundle/signing.ts';
import { loadPolicyTree, InputError } from '../files.ts';
import { UsageError, flagValue, flagValues, type ParsedArgs } from './args.ts';
import type { Command } from './main.ts';

export function readCapabilities(path: string | undefined): Capabilities | undefined {
  if (!path) return undefined;
  let caps: unknown;
  try {
    caps = JSON.parse(readFileSync(path, 'utf8'));
  } catch (e) {
    throw new InputError(`--capabilities ${path}: ${(e as Error).message}`);
  }
  if (typeof caps !== 'object' || caps === null || !Array.isArray((caps as Capabilities).builtins)) {
    throw new InputError(`--capabilities ${path}: expected an object with a "builtins" array (OPA's capabilities format)`);
  }
  return caps as Capabilities;
}

export const buildCommand: Command = {
  spec: {
    name: 'build',
    usage: 'writ build <paths...> -e <entrypoint>... [-o bundle.tar.gz] [-r revision] [--capabilities file.json]',
    summary: 'compile Rego to a WebAssembly OPA bundle (accepts `opa build -t wasm` arguments)',
    flags: [
      { name: 'entrypoint', short: 'e', value: true, repeat: true, valueName: 'path', help: 'entrypoint, e.g. writ/postgres/decision' },
      { name: 'output', short: 'o', value: true, valueName: 'file', help: 'bundle file to write (default bundle.tar.gz)' },
      { name: 'revision', short: 'r', value: true, valueName: 'rev', help: 'revision recorded in /.manifest' },
      { name: 'target', short: 't', value: true, valueName: 'target', help: 'only "wasm" is supported (the default)' },
      { name: 'capabilities', value: true, valueName: 'file', help: "OPA capabilities JSON: restricts builtins; undeclared ones are refused" },
      { name: 'ignore-tests', help: 'leave *_test.rego files out of the bundle' },
      { name: 'signing-key', value: true, valueName: 'pem', help: "sign the bundle: writes OPA's /.signatures.json (private key PEM)" },
      { name: 'signing-alg', value: true, valueName: 'alg', help: 'RS256 (default), ES256 or EdDSA' },
    ],
    details: 'Data files named data.json or data.yaml are placed under data.<their directory path>.',
  },
  async run(args: ParsedArgs) {
    const target = flagValue(args, 'target') ?? 'wasm';
    if (target !== 'wasm') throw new UsageError(`target "${target}" is not supported: writ builds wasm bundles only`);
    const eps = flagValues(args, 'entrypoint');
    if (args.positional.length === 0) throw new UsageError('no paths given');
    if (eps.length === 0) throw new UsageError('at least one entrypoint (-e) is required');
    const tree = loadPolicyTree(args.positional);
    const rego = args.flags.has('ignore-tests') ? tree.rego.filter((f) => !f.file.endsWith('_test.rego')) : tree.rego;
    const r = compile(rego, { entrypoints: eps, capabilities: readCapabilities(flagValue(args, 'capabilities')) });
    if (!r.ok || !r.wasm) {
      process.stderr.write(formatDiagnostics(r, { caret: true }) + '\n');
      return 1;
    }
    const out = flagValue(args, 'output') ?? 'bundle.tar.gz';
    const signingKey = flagValue(args, 'signing-key');
    const alg = (flagValue(args, 'signing-alg') ?? 'RS256') as SigningAlg;
    if (!signingAlgs.includes(alg)) throw new UsageError(`--signing-alg ${alg}: expected one of ${signingAlgs.join(', ')}`);
    if (flagValue(args, 'signing-alg') && !signingKey) throw new UsageError('--signing-alg needs --signing-key');
    let keyPem: Buffer | undefined;
    if (signingKey) {
      try {
        keyPem = readFileSync(signingKey);
      } catch (e) {
        throw new InputError(`--signing-key ${signingKey}: ${(e as Error).message}`);
      }
    }
    let bundle = writeBundle({
      manifest: {
        revision: flagValue(args, 'revision') ?? '',
        roots: [''],
        wasm: r.entrypoints.map((e) => ({ entrypoint: e, module: '/policy.wasm' })),
        rego_version: 1,
      },
      wasm: r.wasm,
      data: tree.data,
      rego,
    });
    if (keyPem) {
      try {
        bundle = await signBundle(bundle, keyPem, alg);
      } catch (e) {
        throw new InputError(`--signing-key ${signingKey}: cannot sign with ${alg}: ${(e as Error).message}`);
      }
    }
    writeFileSync(out, bundle);
    process.stderr.write(`wrote ${out} (${bundle.length} bytes; policy.wasm ${r.wasm.length} bytes; entrypoints: ${r.entrypoints.join(', ')})\n`);
    return 0;
  },
};
