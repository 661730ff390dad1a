// Splits the upstream server's byte stream into whole messages (type byte + length + body), kept as raw bytes
// so that everything the enforcer does not rewrite is relayed byte for byte.

export interface ServerFrame {
  code: number;
  /** The whole message, type byte included. */
  bytes: Buffer;
}

// A server message is at most 1 GiB (MaxAllocSize); anything claiming more is a broken or hostile upstream.
const MAX_SERVER_MESSAGE = 0x3fffffff;

export class ServerFramer {
  // Unread bytes as received; joined only once a whole message is there (a 100 MB value costs one copy, not one per chunk).
  private parts: Buffer[] = [];
  private have = 0;
  private need: number | undefined;

  /** Returns the complete frames; throws on a length no PostgreSQL server sends. */
  push(chunk: Buffer): ServerFrame[] {
    if (chunk.length) {
      this.parts.push(chunk);
      this.have += chunk.length;
    }
    const out: ServerFrame[] = [];
    for (;;) {
      if (this.need === undefined) {
        if (this.have < 5) break;
        if (this.parts[0]!.length < 5) this.parts = [Buffer.concat(this.parts, this.have)];
        const len = this.parts[0]!.readUInt32BE(1);
        if (len < 4 || len > MAX_SERVER_MESSAGE) throw new Error(`upstream sent a message with invalid length ${len}`);
        this.need = 1 + len;
      }
      if (this.have < this.need) break;
      const buf = this.parts.length === 1 ? this.parts[0]! : Buffer.concat(this.parts, this.have);
      out.push({ code: buf[0]!, bytes: buf.subarray(0, this.need) });
      const rest = buf.subarray(this.need);
      this.parts = rest.length ? [rest] : [];
      this.have = rest.length;
      this.need = undefined;
    }
    return out;
  }
}

/** Server message type bytes the relay looks at. */
export const enum ServerCode {
  Authentication = 0x52, // R
  BackendKeyData = 0x4b, // K
  BindComplete = 0x32, // 2
  CloseComplete = 0x33, // 3
  CommandComplete = 0x43, // C
  CopyInResponse = 0x47, // G
  CopyOutResponse = 0x48, // H
  CopyBothResponse = 0x57, // W
  DataRow = 0x44, // D
  EmptyQueryResponse = 0x49, // I
  ErrorResponse = 0x45, // E
  NoData = 0x6e, // n
  NoticeResponse = 0x4e, // N
  ParameterDescription = 0x74, // t
  ParameterStatus = 0x53, // S
  ParseComplete = 0x31, // 1
  PortalSuspended = 0x73, // s
  ReadyForQuery = 0x5a, // Z
  RowDescription = 0x54, // T
}

/** The fields of an ErrorResponse/NoticeResponse frame (S, C, M, ...). */
export function noticeFields(frame: Buffer): Map<string, string> {
  const out = new Map<string, string>();
  let at = 5;
  while (at < frame.length && frame[at] !== 0) {
    const key = String.fromCharCode(frame[at]!);
    const end = frame.indexOf(0, at + 1);
    if (end < 0) break;
    out.set(key, frame.toString('utf8', at + 1, end));
    at = end + 1;
  }
  return out;
}
