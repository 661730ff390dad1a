// The protocol's FunctionCall message (a function by OID, no SQL text) as a statement policy can decide on.

import type { ClassifiedStatement } from './types.ts';

// Nothing tells writ what the OID names without asking the server, so it is a function_call effect by definition.
export function classifyFunctionCall(functionOid: number): ClassifiedStatement {
  return Object.freeze({
    text: `<FunctionCall oid ${functionOid}>`,
    operation: 'function_call',
    effects: Object.freeze(['function_call']),
    relations: Object.freeze([]),
    functions: Object.freeze([`oid:${functionOid}`]),
  });
}
