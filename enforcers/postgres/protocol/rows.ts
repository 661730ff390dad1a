// RowDescription and DataRow codecs for masking: rewrite column values with correct lengths, NULLs kept NULL.

import { ProtocolError } from './errors.ts';
import { FormatError, MessageReader } from './reader.ts';
import { MessageWriter } from './writer.ts';

const enum RowCodes {
  RowDescription = 0x54, // T
  DataRow = 0x44, // D
}

export interface FieldDescription {
  name: string;
  tableOid: number;
  columnAttribute: number;
  dataTypeOid: number;
  dataTypeSize: number;
  typeModifier: number;
  format: 0 | 1; // 0 text, 1 binary: binary columns cannot be masked as text
}

export type ColumnValue = Buffer | null;

// Checks the frame of a whole server message (type byte + length) and returns a reader over its body.
function openMessage(message: Uint8Array, code: number, what: string): MessageReader | ProtocolError {
  const buf = Buffer.from(message.buffer, message.byteOffset, message.byteLength);
  if (buf.length < 5 || buf[0] !== code) return new ProtocolError('invalid_message_format', `not a ${what} message`, 0);
  const length = buf.readUInt32BE(1);
  if (length !== buf.length - 1) {
    return new ProtocolError('invalid_message_format', `${what} length ${length} does not match ${buf.length - 1} bytes`, 0);
  }
  return new MessageReader(buf, 5, buf.length);
}

function asProtocolError(e: unknown, what: string): ProtocolError {
  if (e instanceof FormatError) return new ProtocolError('invalid_message_format', `invalid ${what}: ${e.message}`, 0);
  throw e;
}

export function decodeRowDescription(message: Uint8Array): FieldDescription[] | ProtocolError {
  const reader = openMessage(message, RowCodes.RowDescription, 'RowDescription');
  if (reader instanceof ProtocolError) return reader;
  try {
    const count = reader.int16('field count');
    if (count < 0) throw new FormatError('format', `negative field count ${count}`);
    const fields: FieldDescription[] = [];
    for (let i = 0; i < count; i++) {
      const name = reader.cstring('field name');
      const tableOid = reader.uint32('table oid');
      const columnAttribute = reader.int16('column attribute');
      const dataTypeOid = reader.uint32('type oid');
      const dataTypeSize = reader.int16('type size');
      const typeModifier = reader.int32('type modifier');
      const format = reader.int16('format code');
      if (format !== 0 && format !== 1) throw new FormatError('format', `unsupported format code ${format}`);
      fields.push({ name, tableOid, columnAttribute, dataTypeOid, dataTypeSize, typeModifier, format });
    }
    reader.done('RowDescription');
    return fields;
  } catch (e) {
    return asProtocolError(e, 'RowDescription');
  }
}

export function encodeRowDescription(fields: readonly FieldDescription[]): Buffer {
  const w = new MessageWriter().int16(fields.length);
  for (const f of fields) {
    w.cstring(f.name).uint32(f.tableOid).int16(f.columnAttribute).uint32(f.dataTypeOid);
    w.int16(f.dataTypeSize).int32(f.typeModifier).int16(f.format);
  }
  return w.typed(RowCodes.RowDescription);
}

export function decodeDataRow(message: Uint8Array): ColumnValue[] | ProtocolError {
  const reader = openMessage(message, RowCodes.DataRow, 'DataRow');
  if (reader instanceof ProtocolError) return reader;
  try {
    const count = reader.int16('column count');
    if (count < 0) throw new FormatError('format', `negative column count ${count}`);
    const values: ColumnValue[] = [];
    for (let i = 0; i < count; i++) {
      const length = reader.int32('value length');
      if (length === -1) values.push(null);
      else if (length < 0) throw new FormatError('format', `invalid value length ${length}`);
      else values.push(reader.bytes(length, 'column value'));
    }
    reader.done('DataRow');
    return values;
  } catch (e) {
    return asProtocolError(e, 'DataRow');
  }
}

// Strings are written as UTF-8 (the enforcer keeps client_encoding UTF8).
export function encodeDataRow(values: ReadonlyArray<Uint8Array | string | null>): Buffer {
  const w = new MessageWriter().int16(values.length);
  for (const v of values) w.value(typeof v === 'string' ? Buffer.from(v, 'utf8') : v);
  return w.typed(RowCodes.DataRow);
}

// Rewrites the columns the callback changes (undefined = keep). NULL stays NULL unless the callback returns a value
// for it on purpose; lengths are recomputed for every column.
export function rewriteDataRow(
  message: Uint8Array,
  rewrite: (value: ColumnValue, column: number) => Uint8Array | string | null | undefined,
): Buffer | ProtocolError {
  const values = decodeDataRow(message);
  if (values instanceof ProtocolError) return values;
  const out = values.map((v, i) => {
    const next = rewrite(v, i);
    return next === undefined ? v : next;
  });
  return encodeDataRow(out);
}
