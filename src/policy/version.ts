// A loaded policy version and the holder of the active one. Swapping is one assignment: an
// evaluation takes the version object once at its start and uses it to the end, so requests in
// flight finish on the version they started with and nothing ever sees a half-loaded policy.
import type { LoadedPolicy } from '@open-policy-agent/opa-wasm';
import { loadCompiled } from '../../opa/index.ts';
import { recordingHostBuiltins } from '../../opa/builtins/host/index.ts';
import type { PolicyProvenance } from '../audit/record.ts';

export type VersionSource = 'git' | 'dir' | 'bundle';

export interface NondeterministicCall {
  name: string;
  args: unknown[];
  result: unknown;
}

export interface Evaluation {
  /** False when the entrypoint exists but produced no value (undefined), or does not exist. */
  defined: boolean;
  result?: unknown;
  /** Set when evaluation aborted (conflicts, runtime errors). */
  error?: string;
  nondeterministic: NondeterministicCall[];
}

export interface PolicyVersionInfo {
  revision: string;
  bundle_sha256: string;
  pushed_by: string;
  /** RFC 3339 time of activation. */
  time: string;
  source: VersionSource;
}

export class PolicyVersion implements PolicyVersionInfo {
  readonly entrypointSet: ReadonlySet<string>;
  /** Where the recording builtins report; set only for the duration of one synchronous evaluate(). */
  private recorder: NondeterministicCall[] | undefined;
  private sdk!: LoadedPolicy;
  /** Base documents (data.json files): paths that are not rules are read from here, as OPA does. */
  private data: unknown = {};

  private constructor(
    readonly revision: string,
    readonly bundle_sha256: string,
    readonly bundle: Buffer,
    readonly entrypoints: string[],
    readonly pushed_by: string,
    readonly time: string,
    readonly source: VersionSource,
  ) {
    this.entrypointSet = new Set(entrypoints);
  }

  static async load(
    v: PolicyVersionInfo & { bundle: Buffer; wasm: Uint8Array; entrypoints: string[]; data: unknown; strict?: boolean },
  ): Promise<PolicyVersion> {
    const pv = new PolicyVersion(v.revision, v.bundle_sha256, v.bundle, v.entrypoints, v.pushed_by, v.time, v.source);
    pv.sdk = await loadCompiled(
      v.wasm,
      recordingHostBuiltins((name, args, result) => pv.recorder?.push({ name, args, result })),
      { strictBuiltinErrors: v.strict === true },
    );
    pv.data = v.data ?? {};
    pv.sdk.setData(pv.data as object);
    return pv;
  }

  get provenance(): PolicyProvenance {
    return { revision: this.revision, bundle_sha256: this.bundle_sha256 };
  }

  info(): PolicyVersionInfo {
    return { revision: this.revision, bundle_sha256: this.bundle_sha256, pushed_by: this.pushed_by, time: this.time, source: this.source };
  }

  /** Evaluate one entrypoint (`a/b/c`). Synchronous, so the recorder cannot interleave with another call. */
  evaluate(entrypoint: string, input: unknown): Evaluation {
    const calls: NondeterministicCall[] = [];
    if (!this.entrypointSet.has(entrypoint)) {
      let node: unknown = this.data;
      for (const seg of entrypoint.split('/').filter((x) => x !== '')) {
        if (typeof node !== 'object' || node === null || Array.isArray(node) || !Object.hasOwn(node, seg)) return { defined: false, nondeterministic: calls };
        node = (node as Record<string, unknown>)[seg];
      }
      return { defined: true, result: node, nondeterministic: calls };
    }
    this.recorder = calls;
    try {
      const rows = this.sdk.evaluate(input, entrypoint) as Array<{ result: unknown }>;
      if (!Array.isArray(rows) || rows.length === 0) return { defined: false, nondeterministic: calls };
      return { defined: true, result: rows[0].result, nondeterministic: calls };
    } catch (e) {
      return { defined: false, error: typeof e === 'string' ? e : ((e as Error).message ?? String(e)), nondeterministic: calls };
    } finally {
      this.recorder = undefined;
    }
  }
}

/** The active version: readers call current() once per request; activation replaces it in one step. */
export class ActivePolicy {
  private version: PolicyVersion | undefined;
  private listeners: Array<(v: PolicyVersion) => void> = [];

  current(): PolicyVersion | undefined {
    return this.version;
  }

  swap(v: PolicyVersion): PolicyVersion | undefined {
    const old = this.version;
    this.version = v;
    for (const l of this.listeners) l(v);
    return old;
  }

  onSwap(l: (v: PolicyVersion) => void): void {
    this.listeners.push(l);
  }
}
