// The client side of SCRAM-SHA-256 (RFC 5802 / RFC 7677) for writ's own upstream credential, with node:crypto.
import { createHash, createHmac, pbkdf2Sync, randomBytes, timingSafeEqual } from 'node:crypto';

export class ScramError extends Error {}

const hmac = (key: Buffer, data: string | Buffer) => createHmac('sha256', key).update(data).digest();
const sha256 = (data: Buffer) => createHash('sha256').update(data).digest();
const xor = (a: Buffer, b: Buffer) => Buffer.from(a.map((v, i) => v ^ b[i]!));

function attributes(message: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const part of message.split(',')) {
    const eq = part.indexOf('=');
    if (eq !== 1) throw new ScramError(`malformed SCRAM message attribute ${JSON.stringify(part.slice(0, 20))}`);
    out.set(part[0]!, part.slice(2));
  }
  return out;
}

/**
 * One SCRAM-SHA-256 exchange without channel binding ("n,,"): first() -> client-first-message,
 * final(serverFirst) -> client-final-message, verify(serverFinal) checks the server's signature
 * (a server that cannot prove it knows the verifier is refused).
 */
export class ScramClient {
  private readonly nonce: string;
  private clientFirstBare = '';
  private serverSignature: Buffer | undefined;

  constructor(
    private readonly password: string,
    nonce?: string,
    // PostgreSQL ignores the SCRAM user name (it uses the startup packet's): empty by default, as libpq sends it.
    private readonly user = '',
  ) {
    this.nonce = nonce ?? randomBytes(18).toString('base64');
  }

  first(): string {
    this.clientFirstBare = `n=${this.user.replace(/=/g, '=3D').replace(/,/g, '=2C')},r=${this.nonce}`;
    return `n,,${this.clientFirstBare}`;
  }

  final(serverFirst: string): string {
    const a = attributes(serverFirst);
    const r = a.get('r');
    const s = a.get('s');
    const i = Number(a.get('i'));
    if (!r || !s || !Number.isInteger(i) || i < 1) throw new ScramError('SCRAM server-first-message lacks r, s or i');
    if (!r.startsWith(this.nonce) || r.length === this.nonce.length) throw new ScramError('SCRAM server nonce does not extend the client nonce');
    if (i > 1_000_000) throw new ScramError(`SCRAM iteration count ${i} is implausibly large`);
    // SASLprep is skipped: it changes only non-ASCII passwords, and writ's credentials are ASCII (refused otherwise).
    if (!/^[\x20-\x7e]*$/.test(this.password)) throw new ScramError('SCRAM password must be printable ASCII (SASLprep not implemented)');
    const salted = pbkdf2Sync(this.password, Buffer.from(s, 'base64'), i, 32, 'sha256');
    const clientKey = hmac(salted, 'Client Key');
    const storedKey = sha256(clientKey);
    const withoutProof = `c=biws,r=${r}`;
    const authMessage = `${this.clientFirstBare},${serverFirst},${withoutProof}`;
    const proof = xor(clientKey, hmac(storedKey, authMessage));
    this.serverSignature = hmac(hmac(salted, 'Server Key'), authMessage);
    return `${withoutProof},p=${proof.toString('base64')}`;
  }

  verify(serverFinal: string): void {
    const a = attributes(serverFinal);
    if (a.has('e')) throw new ScramError(`SCRAM authentication refused by the server: ${a.get('e')}`);
    const v = Buffer.from(a.get('v') ?? '', 'base64');
    if (!this.serverSignature || v.length !== this.serverSignature.length || !timingSafeEqual(v, this.serverSignature)) {
      throw new ScramError('SCRAM server signature does not verify (the server does not know the credential)');
    }
  }
}

/** PostgreSQL's md5 password answer: "md5" + md5(md5(password + user) + salt). */
export function md5Password(user: string, password: string, salt: Buffer): string {
  const inner = createHash('md5').update(password + user).digest('hex');
  return 'md5' + createHash('md5').update(Buffer.concat([Buffer.from(inner), salt])).digest('hex');
}
