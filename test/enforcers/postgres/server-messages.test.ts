// Server messages writ writes, read back by node-postgres' own server-message parser (pg-protocol).

import { Readable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { parse } from 'pg-protocol';
import type { BackendMessage } from 'pg-protocol/dist/messages.js';
import {
  authenticationCleartextPassword,
  authenticationOk,
  backendKeyData,
  decodeDataRow,
  decodeRowDescription,
  encodeDataRow,
  encodeRowDescription,
  encryptionResponse,
  errorResponse,
  noticeResponse,
  parameterStatus,
  ProtocolError,
  readyForQuery,
  rewriteDataRow,
  type FieldDescription,
} from '../../../enforcers/postgres/protocol/index.ts';

// Parses bytes with pg-protocol, every split of them giving the same messages.
async function pgParse(bytes: Buffer, chunk = bytes.length): Promise<BackendMessage[]> {
  const out: BackendMessage[] = [];
  const parts: Buffer[] = [];
  for (let i = 0; i < bytes.length; i += chunk) parts.push(bytes.subarray(i, i + chunk));
  await parse(Readable.from(parts), (m) => out.push(m));
  return out;
}

describe('server messages', () => {
  it('ErrorResponse and NoticeResponse carry severity, SQLSTATE, message, detail, hint', async () => {
    const bytes = Buffer.concat([
      errorResponse({ severity: 'ERROR', code: '42501', message: 'writ: denied by policy', detail: 'statement effect \'do_block\' is forbidden', hint: 'ask db-owners', position: 3 }),
      noticeResponse({ severity: 'NOTICE', code: '01000', message: 'waiting for approval', hint: 'writ approvals approve 7' }),
    ]);
    for (const chunk of [bytes.length, 1, 7]) {
      const [err, notice] = (await pgParse(bytes, chunk)) as any[];
      expect(err).toMatchObject({
        name: 'error',
        severity: 'ERROR',
        code: '42501',
        message: 'writ: denied by policy',
        detail: "statement effect 'do_block' is forbidden",
        hint: 'ask db-owners',
        position: '3',
      });
      expect(notice).toMatchObject({ name: 'notice', severity: 'NOTICE', code: '01000', message: 'waiting for approval', hint: 'writ approvals approve 7' });
    }
    expect(() => errorResponse({ severity: 'ERROR', code: '425', message: 'x' })).toThrow(/internal/);
  });

  it('ReadyForQuery, authentication, ParameterStatus, BackendKeyData', async () => {
    const bytes = Buffer.concat([
      authenticationCleartextPassword(),
      authenticationOk(),
      parameterStatus('server_version', '16.4'),
      parameterStatus('client_encoding', 'UTF8'),
      backendKeyData(4242, 0x7eadbeef),
      readyForQuery('I'),
      readyForQuery('T'),
      readyForQuery('E'),
    ]);
    const msgs = (await pgParse(bytes, 3)) as any[];
    expect(msgs.map((m) => m.name)).toEqual([
      'authenticationCleartextPassword', 'authenticationOk', 'parameterStatus', 'parameterStatus', 'backendKeyData',
      'readyForQuery', 'readyForQuery', 'readyForQuery',
    ]);
    expect(msgs[2]).toMatchObject({ parameterName: 'server_version', parameterValue: '16.4' });
    expect(msgs[4]).toMatchObject({ processID: 4242, secretKey: 0x7eadbeef });
    expect(msgs.slice(5).map((m) => m.status)).toEqual(['I', 'T', 'E']);
    expect(backendKeyData(1, Buffer.alloc(32, 1)).length).toBe(1 + 4 + 4 + 32);
    expect(encryptionResponse(false)).toEqual(Buffer.from('N'));
    expect(encryptionResponse(true)).toEqual(Buffer.from('S'));
    expect(encryptionResponse(true, 'gss')).toEqual(Buffer.from('G'));
  });
});

const fields: FieldDescription[] = [
  { name: 'id', tableOid: 16384, columnAttribute: 1, dataTypeOid: 23, dataTypeSize: 4, typeModifier: -1, format: 0 },
  { name: 'email', tableOid: 16384, columnAttribute: 2, dataTypeOid: 25, dataTypeSize: -1, typeModifier: -1, format: 0 },
  { name: 'blob', tableOid: 0, columnAttribute: 0, dataTypeOid: 17, dataTypeSize: -1, typeModifier: -1, format: 1 },
];

describe('RowDescription and DataRow', () => {
  it('round-trip and agree with pg-protocol', async () => {
    const rd = encodeRowDescription(fields);
    expect(decodeRowDescription(rd)).toEqual(fields);
    const row = encodeDataRow(['1', 'ann@example.com', null]);
    expect(decodeDataRow(row)).toEqual([Buffer.from('1'), Buffer.from('ann@example.com'), null]);
    const [desc, data] = (await pgParse(Buffer.concat([rd, row]), 5)) as any[];
    expect(desc.fields.map((f: any) => [f.name, f.dataTypeID, f.format])).toEqual([['id', 23, 'text'], ['email', 25, 'text'], ['blob', 17, 'binary']]);
    expect(data.fields).toEqual(['1', 'ann@example.com', null]);
  });

  it('rewrites values with correct lengths and keeps NULLs', async () => {
    const row = encodeDataRow(['1', 'ann@example.com', null, 'é']);
    const masked = rewriteDataRow(row, (v, i) => (i === 1 ? '***' : i === 3 ? 'ünïcödé' : undefined));
    expect(masked).toBeInstanceOf(Buffer);
    expect(decodeDataRow(masked as Buffer)).toEqual([Buffer.from('1'), Buffer.from('***'), null, Buffer.from('ünïcödé')]);
    const [data] = (await pgParse(masked as Buffer)) as any[];
    expect(data.fields).toEqual(['1', '***', null, 'ünïcödé']);
    expect(rewriteDataRow(row, () => undefined)).toEqual(row);
  });

  it('refuses malformed rows as ProtocolError', () => {
    const row = encodeDataRow(['abc']);
    const cut = Buffer.from(row.subarray(0, row.length - 1));
    expect(decodeDataRow(cut)).toBeInstanceOf(ProtocolError);
    const lying = Buffer.from(row);
    lying.writeInt32BE(99, 7); // value length beyond the message
    lying.writeUInt32BE(lying.length - 1, 1);
    expect((decodeDataRow(lying) as ProtocolError).code).toBe('invalid_message_format');
    expect(decodeRowDescription(row)).toBeInstanceOf(ProtocolError);
    expect(rewriteDataRow(cut, () => 'x')).toBeInstanceOf(ProtocolError);
  });
});
