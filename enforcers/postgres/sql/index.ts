// SQL classification for writ's PostgreSQL enforcer (action.sql of the policy contract).

export { classify } from './classify.ts';
export { classifyFunctionCall } from './function-call.ts';
export type { Access, ClassifiedStatement, Relation } from './types.ts';
