// writ's PostgreSQL enforcer: listener, engine, relay; protocol/ and sql/ are its codecs and classifier.
export { PostgresEnforcer } from './server.ts';
export { parseUpstreamUrl, type Decider, type PostgresEnforcerConfig, type UpstreamConfig, type ApprovalsConfig } from './config.ts';
export { ScramClient, ScramError, md5Password } from './scram.ts';
export type { SessionSummary } from './engine.ts';
