// Host builtins through the whole pipeline: Rego compiled by writ, loaded in the official SDK with
// hostBuiltins(), called through opa_builtinN (JSON in, exact JSON text out).
import { describe, expect, it } from 'vitest';
import { compile, formatDiagnostics, loadCompiledSync } from '../../../opa/index.ts';
import { recordingHostBuiltins, replayingHostBuiltins, type RecordedCall } from '../../../opa/builtins/host/index.ts';

function evaluate(src: string, extra: Record<string, (...args: any[]) => unknown> = {}): Record<string, unknown> {
  const r = compile([{ file: 't.rego', text: src }], { entrypoints: ['t'] });
  if (!r.ok) throw new Error(formatDiagnostics(r));
  const rows = loadCompiledSync(r.wasm!, extra).evaluate({}) as Array<{ result: Record<string, unknown> }>;
  return rows[0]!.result;
}

describe('host builtins end to end (SDK)', () => {
  it('returns values, keeps big integers exact inside the module, and is undefined on bad input', () => {
    const r = evaluate(`package t
a := strings.reverse("héllo")
b := time.parse_rfc3339_ns("2262-04-11T23:47:16.854775807Z") - 9223372036854775806
c := count(net.cidr_expand("10.0.0.0/30"))
d := hex.decode("zz")
e := io.jwt.decode_verify(io.jwt.encode_sign({"alg": "HS256"}, {"iss": "me"}, {"kty": "oct", "k": "a2V5"}), {"secret": "key", "iss": "me"})[0]
f := units.parse("1E") / 1000000000000000
`);
    expect(r).toEqual({ a: 'olléh', b: 1, c: 4, e: true, f: 1000 });
  });

  it('time.now_ns is one value per evaluation, and the recording variant logs it', () => {
    const log: Array<[string, unknown]> = [];
    const r = evaluate(`package t
same := time.now_ns() == time.now_ns()
u := uuid.rfc4122("k") == uuid.rfc4122("k")
`, recordingHostBuiltins((name, _args, result) => log.push([name, result])));
    expect(r).toEqual({ same: true, u: true });
    expect(log.map(([n]) => n).sort()).toEqual(['time.now_ns', 'time.now_ns', 'uuid.rfc4122', 'uuid.rfc4122']);
    expect(log.find(([n]) => n === 'time.now_ns')![1]).toEqual(log.filter(([n]) => n === 'time.now_ns')[1]![1]);
  });

  it('replays a recorded decision with the recorded nondeterministic results', () => {
    const src = `package t
t := time.now_ns()
id := uuid.rfc4122("req")
`;
    const log: RecordedCall[] = [];
    const first = evaluate(src, recordingHostBuiltins((name, args, result) => log.push({ name, args, result })));
    const again = evaluate(src, replayingHostBuiltins(log));
    expect(again).toEqual(first);
    expect(() => evaluate(src, replayingHostBuiltins([]))).toThrow(/replay: no recorded result for/);
  });
});
