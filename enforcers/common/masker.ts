// Applies a decision's `mask` rules to SQL rows (by column), JSON documents (by JSON path or key)
// and any string (by detector). Returns masked copies and counts; it never logs or keeps originals.
import { canonicalJson } from '../../src/audit/canonical.ts';
import { checkMaskRule, type MaskRule, type MaskStrategy } from './contract.ts';
import { DETECTORS, detector, type Detector } from './mask-detectors.ts';
import { parseJsonPath, replaceAtPath, type PathStep } from './mask-json-path.ts';
import { applyStrategy, strictness, type StrategyOptions } from './mask-strategies.ts';

export class MaskConfigError extends Error {
  readonly code = 'WRIT_MASK_CONFIG';
}

/** Masked values per rule, keyed "column:email", "json_path:$.a", "detector:card". */
export type MaskCounts = Record<string, number>;

interface DetectorRule {
  label: string;
  detectors: Detector[];
  strategy: MaskStrategy;
  keep?: number;
}

export interface MaskerOptions extends StrategyOptions {}

export class Masker {
  private readonly columns = new Map<string, MaskRule & { label: string }>();
  private readonly paths: Array<{ steps: PathStep[]; rule: MaskRule; label: string }> = [];
  private readonly detectorRules: DetectorRule[] = [];
  private readonly opts: MaskerOptions;
  // Short object keys maskJson found nothing in (documents repeat their field names): not scanned again.
  private readonly cleanKeys = new Set<string>();

  /** Throws MaskConfigError for a rule it cannot apply exactly (the caller then denies). */
  constructor(rules: readonly MaskRule[], opts: MaskerOptions = {}) {
    this.opts = opts;
    for (const raw of rules) {
      const r = checkMaskRule(raw);
      if (typeof r === 'string') throw new MaskConfigError(`cannot apply mask: ${r}`);
      if (r.strategy === 'hash' && !opts.hashKey) throw new MaskConfigError('cannot apply mask: strategy "hash" needs the deployment hash key (masking.hash_key)');
      if (r.column !== undefined) {
        // PostgreSQL folds unquoted names to lower case; matching without case never leaves a column unmasked.
        const k = r.column.toLowerCase();
        const prev = this.columns.get(k);
        if (!prev || strictness[r.strategy] > strictness[prev.strategy]) this.columns.set(k, { ...r, label: `column:${r.column}` });
      } else if (r.json_path !== undefined) {
        this.paths.push({ steps: parseJsonPath(r.json_path) as PathStep[], rule: r, label: `json_path:${r.json_path}` });
      } else {
        // "*" is every detector except the opt-in ones, which only a rule naming them turns on.
        const ds = r.detector === '*' ? DETECTORS.filter((d) => !d.optIn) : [detector(r.detector!)!];
        this.detectorRules.push({ label: `detector:${r.detector}`, detectors: ds, strategy: r.strategy, keep: r.keep });
      }
    }
  }

  get empty(): boolean {
    return this.columns.size === 0 && this.paths.length === 0 && this.detectorRules.length === 0;
  }

  /** True if some column rule names this column (an enforcer refuses binary-format columns it would have to mask). */
  masksColumn(name: string): boolean {
    return this.columns.has(name.toLowerCase());
  }

  get hasDetectors(): boolean {
    return this.detectorRules.length > 0;
  }

  /** Masks detector matches inside one string. */
  maskString(s: string, counts: MaskCounts = {}): string {
    if (this.detectorRules.length === 0 || s.length === 0) return s;
    type Hit = { a: number; b: number; rule: DetectorRule };
    const hits: Hit[] = [];
    for (const rule of this.detectorRules) for (const d of rule.detectors) for (const [a, b] of d.find(s)) hits.push({ a, b, rule });
    if (hits.length === 0) return s;
    hits.sort((x, y) => x.a - y.a || y.b - x.b);
    // Overlapping matches merge into one span masked with the strictest strategy among them.
    const merged: Hit[] = [];
    for (const h of hits) {
      const last = merged[merged.length - 1];
      if (last && h.a < last.b) {
        last.b = Math.max(last.b, h.b);
        if (strictness[h.rule.strategy] > strictness[last.rule.strategy]) last.rule = h.rule;
      } else merged.push({ ...h });
    }
    let out = '';
    let at = 0;
    for (const h of merged) {
      out += s.slice(at, h.a) + applyStrategy(h.rule.strategy, s.slice(h.a, h.b), this.opts, h.rule.keep);
      at = h.b;
      counts[h.rule.label] = (counts[h.rule.label] ?? 0) + 1;
    }
    return out + s.slice(at);
  }

  /** maskString for an object key, remembering short keys with nothing to mask. */
  private maskKey(k: string, counts: MaskCounts): string {
    if (this.detectorRules.length === 0 || k.length > CLEAN_KEY_MAX_LENGTH) return this.maskString(k, counts);
    if (this.cleanKeys.has(k)) return k;
    const found: MaskCounts = {};
    const out = this.maskString(k, found);
    let hit = false;
    for (const label of Object.keys(found)) {
      counts[label] = (counts[label] ?? 0) + found[label]!;
      hit = true;
    }
    if (!hit && out === k) {
      if (this.cleanKeys.size >= CLEAN_KEYS) this.cleanKeys.clear();
      this.cleanKeys.add(k);
    }
    return out;
  }

  /** A whole value selected by column or path: strings by the strategy; other values as their JSON text. */
  private maskWhole(v: unknown, rule: MaskRule, label: string, counts: MaskCounts): unknown {
    if (v === null || v === undefined) return v; // NULL reveals nothing and stays NULL, as a database would show it
    counts[label] = (counts[label] ?? 0) + 1;
    const text = typeof v === 'string' ? v : Buffer.isBuffer(v) ? v.toString('hex') : canonicalJson(v);
    // Partial masking of a structure would leak its shape and fragments: structures are redacted.
    const strategy = rule.strategy === 'partial' && typeof v === 'object' && !Buffer.isBuffer(v) ? 'redact' : rule.strategy;
    return applyStrategy(strategy, text, this.opts, rule.keep);
  }

  /** One SQL row (text values, null = NULL) with its column names. */
  maskRow(columns: readonly string[], row: ReadonlyArray<string | null>, counts: MaskCounts = {}): Array<string | null> {
    return row.map((v, i) => {
      const rule = this.columns.get((columns[i] ?? '').toLowerCase());
      if (rule) return this.maskWhole(v, rule, rule.label, counts) as string | null;
      return typeof v === 'string' ? this.maskString(v, counts) : v;
    });
  }

  /** A JSON document: path rules, then column rules as object keys at any depth, then detectors on the strings left. */
  maskJson(value: unknown, counts: MaskCounts = {}): unknown {
    // Path rules replace values in place, so they work on a copy; the walk builds new objects and arrays and never
    // writes to what it reads, so without path rules (nothing boxed) the caller's value is walked as it is.
    if (this.paths.length === 0) return this.walkUnboxed(value, counts);
    let doc = structuredCopy(value);
    const masked = Symbol('masked');
    type Boxed = { [masked]: unknown };
    const box = (v: unknown): Boxed => ({ [masked]: v });
    for (const p of this.paths) doc = replaceAtPath(doc, p.steps, (v) => (isBoxed(v) ? v : box(this.maskWhole(v, p.rule, p.label, counts))));
    const walk = (v: unknown): unknown => {
      if (isBoxed(v)) return (v as Boxed)[masked];
      if (typeof v === 'string') return this.maskString(v, counts);
      if (Array.isArray(v)) return v.map(walk);
      if (typeof v === 'object' && v !== null) {
        const o = v as Record<string, unknown>;
        const out: Record<string, unknown> = {};
        for (const k of Object.keys(o)) {
          const rule = this.columns.get(k.toLowerCase());
          const val = rule && !isBoxed(o[k]) ? this.maskWhole(o[k], rule, rule.label, counts) : walk(o[k]);
          // Keys can hold data too ({"alice@example.com": ...}); masked keys that collide get a suffix, never merge.
          let key = this.maskKey(k, counts);
          if (key !== k) for (let n = 2; Object.hasOwn(out, key) || (key !== k && Object.hasOwn(o, key)); n++) key = `${this.maskString(k)}#${n}`;
          setOwn(out, key, val);
        }
        return out;
      }
      return v;
    };
    function isBoxed(v: unknown): boolean {
      return typeof v === 'object' && v !== null && masked in v;
    }
    return walk(doc);
  }

  /** maskJson's walk when no path rule boxed a value: column rules by key, detectors on keys and strings. */
  private walkUnboxed(v: unknown, counts: MaskCounts): unknown {
    if (typeof v === 'string') return this.maskString(v, counts);
    if (typeof v !== 'object' || v === null) return v;
    if (Array.isArray(v)) return v.map((x) => this.walkUnboxed(x, counts));
    const o = v as Record<string, unknown>;
    const out: Record<string, unknown> = {};
    const byColumn = this.columns.size > 0;
    for (const k of Object.keys(o)) {
      const rule = byColumn ? this.columns.get(k.toLowerCase()) : undefined;
      const val = rule ? this.maskWhole(o[k], rule, rule.label, counts) : this.walkUnboxed(o[k], counts);
      // Keys can hold data too ({"alice@example.com": ...}); masked keys that collide get a suffix, never merge.
      let key = this.maskKey(k, counts);
      if (key !== k) for (let n = 2; Object.hasOwn(out, key) || (key !== k && Object.hasOwn(o, key)); n++) key = `${this.maskString(k)}#${n}`;
      setOwn(out, key, val);
    }
    return out;
  }
}

const CLEAN_KEY_MAX_LENGTH = 64;
const CLEAN_KEYS = 256;

/** Defines an own data property: a "__proto__" key from JSON.parse stays data, never a prototype. */
function setOwn(o: Record<string, unknown>, k: string, v: unknown): void {
  // A plain assignment defines the same property unless Object.prototype has one of that name (a setter such as
  // __proto__, or a read-only one when the prototype is frozen).
  if (k in Object.prototype) Object.defineProperty(o, k, { value: v, enumerable: true, writable: true, configurable: true });
  else o[k] = v;
}

/** A deep copy of JSON data, so the caller's original is never modified. */
function structuredCopy(v: unknown): unknown {
  if (Array.isArray(v)) return v.map(structuredCopy);
  if (typeof v === 'object' && v !== null && !Buffer.isBuffer(v)) {
    const o: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) setOwn(o, k, structuredCopy(x));
    return o;
  }
  return v;
}

/** Sum of counts (how many values a response had masked). */
export function totalMasked(counts: MaskCounts): number {
  return Object.values(counts).reduce((a, b) => a + b, 0);
}
