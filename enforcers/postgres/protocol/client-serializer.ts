// Serializes client messages back to bytes: the proxy's upstream writer, and the inverse of ClientParser in tests.

import {
  CANCEL_REQUEST_CODE,
  GSSENC_REQUEST_CODE,
  MessageCodes,
  SSL_REQUEST_CODE,
  type ClientMessage,
} from './messages.ts';
import { MessageWriter } from './writer.ts';

export function serializeClientMessage(message: ClientMessage): Buffer {
  const w = new MessageWriter();
  switch (message.name) {
    case 'startup': {
      w.uint32(((message.protocolVersion.major << 16) | message.protocolVersion.minor) >>> 0);
      for (const [k, v] of Object.entries(message.parameters)) w.cstring(k).cstring(v);
      return w.byte(0).untyped();
    }
    case 'sslRequest':
      return w.uint32(SSL_REQUEST_CODE).untyped();
    case 'gssEncRequest':
      return w.uint32(GSSENC_REQUEST_CODE).untyped();
    case 'cancelRequest':
      return w.uint32(CANCEL_REQUEST_CODE).int32(message.processId).bytes(message.secretKey).untyped();
    case 'query':
      return w.cstring(message.text).typed(MessageCodes.Query);
    case 'parse':
      w.cstring(message.statement).cstring(message.text).int16(message.parameterTypes.length);
      for (const oid of message.parameterTypes) w.uint32(oid);
      return w.typed(MessageCodes.Parse);
    case 'bind':
      w.cstring(message.portal).cstring(message.statement).int16(message.parameterFormats.length);
      for (const f of message.parameterFormats) w.int16(f);
      w.int16(message.parameters.length);
      for (const p of message.parameters) w.value(p);
      w.int16(message.resultFormats.length);
      for (const f of message.resultFormats) w.int16(f);
      return w.typed(MessageCodes.Bind);
    case 'describe':
      return w.byte(message.target.charCodeAt(0)).cstring(message.objectName).typed(MessageCodes.Describe);
    case 'execute':
      return w.cstring(message.portal).int32(message.maxRows).typed(MessageCodes.Execute);
    case 'close':
      return w.byte(message.target.charCodeAt(0)).cstring(message.objectName).typed(MessageCodes.Close);
    case 'sync':
      return w.typed(MessageCodes.Sync);
    case 'flush':
      return w.typed(MessageCodes.Flush);
    case 'terminate':
      return w.typed(MessageCodes.Terminate);
    case 'copyData':
      return w.bytes(message.data).typed(MessageCodes.CopyData);
    case 'copyDone':
      return w.typed(MessageCodes.CopyDone);
    case 'copyFail':
      return w.cstring(message.message).typed(MessageCodes.CopyFail);
    case 'functionCall':
      w.uint32(message.functionOid).int16(message.argumentFormats.length);
      for (const f of message.argumentFormats) w.int16(f);
      w.int16(message.arguments.length);
      for (const a of message.arguments) w.value(a);
      return w.int16(message.resultFormat).typed(MessageCodes.FunctionCall);
    case 'password':
      return w.cstring(message.password).typed(MessageCodes.Password);
    case 'saslInitialResponse':
      return w.cstring(message.mechanism).value(message.data).typed(MessageCodes.Password);
    case 'saslResponse':
      return w.bytes(message.data).typed(MessageCodes.Password);
  }
}
