// PostgreSQL wire protocol pieces writ's enforcer uses: client-message parser, serializers, row rewriting.

export * from './errors.ts';
export * from './messages.ts';
export { ClientParser, MAX_ALLOC_SIZE, MAX_STARTUP_PACKET_LENGTH, PQ_SMALL_MESSAGE_LIMIT, PG_MAX_AUTH_TOKEN_LENGTH } from './client-parser.ts';
export type { ClientParserOptions, MessageCallback } from './client-parser.ts';
export { serializeClientMessage } from './client-serializer.ts';
export * from './server-messages.ts';
export * from './rows.ts';
