// ProtocolError: every way a client byte stream can break PostgreSQL's frontend protocol, as data (never thrown).

export type ProtocolErrorCode =
  | 'invalid_startup_packet_length' // startup packet length < 8 or > 10,000 bytes (MAX_STARTUP_PACKET_LENGTH)
  | 'unsupported_protocol_version' // startup packet with a major version other than 3
  | 'invalid_startup_packet' // parameters not name\0value\0...\0, duplicate names, no user
  | 'bytes_after_encryption_request' // data sent after SSLRequest/GSSENCRequest before the server answered
  | 'bytes_after_cancel_request' // a CancelRequest connection carries nothing else
  | 'invalid_message_length' // length field below 4
  | 'message_too_large' // length field above the limit for that message type
  | 'unknown_message_type' // a type byte PostgreSQL does not accept from a client
  | 'unexpected_message' // a known message where the protocol state forbids it
  | 'invalid_message_format' // fields overrun the message, trailing bytes, bad counts or format codes
  | 'invalid_string_encoding' // a string field that is not valid UTF-8
  | 'truncated_message'; // the stream ended inside a message

// SQLSTATE the enforcer reports for each error (08P01 protocol_violation unless PostgreSQL uses another).
const sqlstates: Record<ProtocolErrorCode, string> = {
  invalid_startup_packet_length: '08P01',
  unsupported_protocol_version: '0A000',
  invalid_startup_packet: '08P01',
  bytes_after_encryption_request: '08P01',
  bytes_after_cancel_request: '08P01',
  invalid_message_length: '08P01',
  message_too_large: '08P01',
  unknown_message_type: '08P01',
  unexpected_message: '08P01',
  invalid_message_format: '08P01',
  invalid_string_encoding: '22021',
  truncated_message: '08P01',
};

export class ProtocolError extends Error {
  readonly code: ProtocolErrorCode;
  readonly sqlstate: string;
  // Byte offset in the whole client stream where the offending message (or byte) starts.
  readonly offset: number;

  constructor(code: ProtocolErrorCode, message: string, offset: number, sqlstate?: string) {
    super(message);
    this.name = 'ProtocolError';
    this.code = code;
    this.offset = offset;
    this.sqlstate = sqlstate ?? sqlstates[code];
  }
}
