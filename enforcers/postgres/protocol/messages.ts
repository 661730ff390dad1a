// Client (frontend) messages of PostgreSQL's protocol 3.x, as the client parser yields them.

// Type bytes of typed client messages. 'p' is one byte for three messages told apart by the auth state.
export const enum MessageCodes {
  Query = 0x51, // Q
  Parse = 0x50, // P
  Bind = 0x42, // B
  Describe = 0x44, // D
  Execute = 0x45, // E
  Sync = 0x53, // S
  Flush = 0x48, // H
  Close = 0x43, // C
  CopyData = 0x64, // d
  CopyDone = 0x63, // c
  CopyFail = 0x66, // f
  FunctionCall = 0x46, // F
  Password = 0x70, // p (PasswordMessage, SASLInitialResponse, SASLResponse)
  Terminate = 0x58, // X
}

// Request codes carried by untyped packets in place of a protocol version.
export const PROTOCOL_3_0 = 0x00030000; // 196608
export const CANCEL_REQUEST_CODE = 80877102; // 1234 << 16 | 5678
export const SSL_REQUEST_CODE = 80877103; // 1234 << 16 | 5679
export const GSSENC_REQUEST_CODE = 80877104; // 1234 << 16 | 5680

// Format codes of Bind/FunctionCall parameters and results.
export type FormatCode = 0 | 1; // 0 text, 1 binary

export interface StartupMessage {
  name: 'startup';
  protocolVersion: { major: number; minor: number };
  parameters: Record<string, string>;
}
export interface SSLRequestMessage {
  name: 'sslRequest';
}
export interface GSSENCRequestMessage {
  name: 'gssEncRequest';
}
export interface CancelRequestMessage {
  name: 'cancelRequest';
  processId: number;
  secretKey: Buffer; // 4 bytes in protocol 3.0, up to 256 in 3.2
}
export interface QueryMessage {
  name: 'query';
  text: string;
}
export interface ParseMessage {
  name: 'parse';
  statement: string;
  text: string;
  parameterTypes: number[]; // OIDs; 0 = unspecified
}
export interface BindMessage {
  name: 'bind';
  portal: string;
  statement: string;
  parameterFormats: FormatCode[];
  parameters: Array<Buffer | null>; // null = SQL NULL
  resultFormats: FormatCode[];
}
export interface DescribeMessage {
  name: 'describe';
  target: 'S' | 'P';
  objectName: string;
}
export interface ExecuteMessage {
  name: 'execute';
  portal: string;
  maxRows: number; // 0 = no limit
}
export interface CloseMessage {
  name: 'close';
  target: 'S' | 'P';
  objectName: string;
}
export interface SyncMessage {
  name: 'sync';
}
export interface FlushMessage {
  name: 'flush';
}
export interface TerminateMessage {
  name: 'terminate';
}
export interface CopyDataMessage {
  name: 'copyData';
  data: Buffer;
}
export interface CopyDoneMessage {
  name: 'copyDone';
}
export interface CopyFailMessage {
  name: 'copyFail';
  message: string;
}
export interface FunctionCallMessage {
  name: 'functionCall';
  functionOid: number;
  argumentFormats: FormatCode[];
  arguments: Array<Buffer | null>;
  resultFormat: FormatCode;
}
export interface PasswordMessage {
  name: 'password';
  password: string;
}
export interface SASLInitialResponseMessage {
  name: 'saslInitialResponse';
  mechanism: string;
  data: Buffer | null; // null when the client sent length -1
}
export interface SASLResponseMessage {
  name: 'saslResponse';
  data: Buffer;
}

export type ClientMessage =
  | StartupMessage
  | SSLRequestMessage
  | GSSENCRequestMessage
  | CancelRequestMessage
  | QueryMessage
  | ParseMessage
  | BindMessage
  | DescribeMessage
  | ExecuteMessage
  | CloseMessage
  | SyncMessage
  | FlushMessage
  | TerminateMessage
  | CopyDataMessage
  | CopyDoneMessage
  | CopyFailMessage
  | FunctionCallMessage
  | PasswordMessage
  | SASLInitialResponseMessage
  | SASLResponseMessage;

// What a 'p' message means depends on which authentication request the server sent last.
export type AuthExpectation = 'password' | 'sasl-initial' | 'sasl-continue';
