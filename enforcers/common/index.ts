// The enforcer core every protocol shares: decision client, masking, session recording, approvals wait.
export * from './contract.ts';
export * from './metrics.ts';
export * from './decision-client.ts';
export * from './mask-detectors.ts';
export * from './mask-strategies.ts';
export * from './mask-json-path.ts';
export * from './masker.ts';
export * from './session-file.ts';
export * from './session-recorder.ts';
export * from './approvals.ts';
export * from './mask-key.ts';
export * from './session-seal-http.ts';
