// Server (backend) messages the enforcer writes itself: errors, notices, readiness, authentication, session parameters.

import { MessageWriter } from './writer.ts';

// Server message type bytes (only those written here).
const enum ServerCodes {
  Authentication = 0x52, // R
  BackendKeyData = 0x4b, // K
  ErrorResponse = 0x45, // E
  NoticeResponse = 0x4e, // N
  ParameterStatus = 0x53, // S
  ReadyForQuery = 0x5a, // Z
}

export type TransactionStatus = 'I' | 'T' | 'E'; // idle, in a transaction block, in a failed transaction block

export interface NoticeFields {
  severity: string; // ERROR, FATAL, PANIC / WARNING, NOTICE, DEBUG, INFO, LOG
  code: string; // SQLSTATE, five characters
  message: string;
  detail?: string;
  hint?: string;
  position?: number; // 1-based character position in the query
  where?: string;
}

// ErrorResponse and NoticeResponse share one body: (field byte, cstring)* then a 0 byte.
function noticeBody(fields: NoticeFields): MessageWriter {
  if (!/^[0-9A-Z]{5}$/.test(fields.code)) throw new Error(`internal: invalid SQLSTATE ${JSON.stringify(fields.code)}`);
  const w = new MessageWriter();
  // 'S' is localized, 'V' is not: clients such as psql and pg read either.
  w.byte(0x53).cstring(fields.severity);
  w.byte(0x56).cstring(fields.severity);
  w.byte(0x43).cstring(fields.code);
  w.byte(0x4d).cstring(fields.message);
  if (fields.detail !== undefined) w.byte(0x44).cstring(fields.detail);
  if (fields.hint !== undefined) w.byte(0x48).cstring(fields.hint);
  if (fields.position !== undefined) w.byte(0x50).cstring(String(fields.position));
  if (fields.where !== undefined) w.byte(0x57).cstring(fields.where);
  return w.byte(0);
}

export function errorResponse(fields: NoticeFields): Buffer {
  return noticeBody(fields).typed(ServerCodes.ErrorResponse);
}

export function noticeResponse(fields: NoticeFields): Buffer {
  return noticeBody(fields).typed(ServerCodes.NoticeResponse);
}

export function readyForQuery(status: TransactionStatus): Buffer {
  return new MessageWriter(1).byte(status.charCodeAt(0)).typed(ServerCodes.ReadyForQuery);
}

export function authenticationOk(): Buffer {
  return new MessageWriter(4).int32(0).typed(ServerCodes.Authentication);
}

export function authenticationCleartextPassword(): Buffer {
  return new MessageWriter(4).int32(3).typed(ServerCodes.Authentication);
}

export function parameterStatus(name: string, value: string): Buffer {
  return new MessageWriter().cstring(name).cstring(value).typed(ServerCodes.ParameterStatus);
}

// Secret key: an int32 in protocol 3.0, 4 to 256 bytes in 3.2.
export function backendKeyData(processId: number, secretKey: number | Uint8Array): Buffer {
  const w = new MessageWriter().int32(processId);
  if (typeof secretKey === 'number') w.int32(secretKey);
  else w.bytes(secretKey);
  return w.typed(ServerCodes.BackendKeyData);
}

// The one-byte answer to SSLRequest ('S' accept, 'N' refuse) or GSSENCRequest ('G' accept, 'N' refuse).
export function encryptionResponse(accept: boolean, kind: 'ssl' | 'gss' = 'ssl'): Buffer {
  return Buffer.from(accept ? (kind === 'ssl' ? 'S' : 'G') : 'N', 'latin1');
}
