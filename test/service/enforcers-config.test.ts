// writ.yaml `enforcers:`: the `writ enforce postgres` options as YAML keys, validated once; errors name the key.
import { describe, expect, it } from 'vitest';
import { validateConfig } from '../../src/service/config.ts';

const pg = (entry: Record<string, unknown>) => validateConfig({ enforcers: { postgres: [entry] } }, '/etc/writ');
const fails = (entry: Record<string, unknown>) => () => pg(entry);

describe('writ.yaml enforcers.postgres', () => {
  it('absent: no enforcers', () => {
    expect(validateConfig({}).enforcers).toEqual({ postgres: [] });
  });

  it('mapping form with defaults filled and paths resolved against the file', () => {
    const c = pg({ name: 'orders', upstream: { user: 'writ', database: 'app', password_file: 'writ.pw' }, tls: { cert: 'c.pem', key: '/k/k.pem' } });
    expect(c.enforcers.postgres[0]).toEqual({
      name: 'orders',
      listen: { host: '127.0.0.1', port: 6432 },
      upstream: { host: '127.0.0.1', port: 5432, user: 'writ', database: 'app', password: undefined, password_file: '/etc/writ/writ.pw', password_env: undefined },
      resource: { name: 'app', attributes: {} },
      tls: { cert: '/etc/writ/c.pem', key: '/k/k.pem' },
      allow_plaintext: false,
      decision_timeout_ms: 500,
      mask_hash_key_file: undefined,
      record_sessions: true,
    });
  });

  it('URL form as --upstream takes it, resource as a name or {name, attributes}, [::1] listen', () => {
    const c = pg({ name: 'a', listen: '[::1]:7000', upstream: 'postgres://writ@db.internal:6000/orders', resource: 'orders-db' });
    expect(c.enforcers.postgres[0]!.upstream).toMatchObject({ host: 'db.internal', port: 6000, user: 'writ', database: 'orders' });
    expect(c.enforcers.postgres[0]!.listen).toEqual({ host: '::1', port: 7000 });
    expect(c.enforcers.postgres[0]!.resource).toEqual({ name: 'orders-db', attributes: {} });
    expect(pg({ name: 'a', upstream: 'postgres://w@h/d', resource: { name: 'r', attributes: { env: 'prod' } } }).enforcers.postgres[0]!.resource).toEqual({ name: 'r', attributes: { env: 'prod' } });
  });

  it('errors name the key and the problem', () => {
    const up = 'postgres://writ@127.0.0.1/app';
    expect(() => validateConfig({ enforcers: { mysql: [] } })).toThrow('writ.yaml: enforcers.mysql: unknown key (known: postgres)');
    expect(() => validateConfig({ enforcers: { postgres: {} } })).toThrow('writ.yaml: enforcers.postgres: must be a list');
    expect(fails({ upstream: up })).toThrow('writ.yaml: enforcers.postgres[0].name: is required');
    expect(fails({ name: 'a b', upstream: up })).toThrow('enforcers.postgres[0].name: must be 1 to 64 letters');
    expect(fails({ name: 'a' })).toThrow('writ.yaml: enforcers.postgres[0].upstream: is required');
    expect(fails({ name: 'a', upstream: up, listen: 'nowhere' })).toThrow('writ.yaml: enforcers.postgres[0].listen: must be host:port, got "nowhere"');
    expect(fails({ name: 'a', upstream: up, lisen: '1:2' })).toThrow('writ.yaml: enforcers.postgres[0].lisen: unknown key');
    expect(fails({ name: 'a', upstream: 'mysql://x@h/d' })).toThrow('writ.yaml: enforcers.postgres[0].upstream: expected postgres://USER@HOST:PORT/DB');
    expect(fails({ name: 'a', upstream: 'postgres://x:secret@h/d' })).toThrow('enforcers.postgres[0].upstream: holds a password');
    expect(fails({ name: 'a', upstream: { host: 'h', database: 'd' } })).toThrow('writ.yaml: enforcers.postgres[0].upstream.user: is required');
    expect(fails({ name: 'a', upstream: { user: 'u', database: 'd', port: 70000 } })).toThrow('enforcers.postgres[0].upstream.port: must be an integer between 1 and 65535');
    expect(fails({ name: 'a', upstream: { user: 'u', database: 'd', password: 'p', password_env: 'PW' } })).toThrow('enforcers.postgres[0].upstream: give one of password, password_file, password_env, not password and password_env');
    expect(fails({ name: 'a', upstream: up, tls: { cert: 'c.pem' } })).toThrow('enforcers.postgres[0].tls: needs both cert and key');
    expect(fails({ name: 'a', upstream: up, allow_plaintext: 'yes' })).toThrow('enforcers.postgres[0].allow_plaintext: must be true or false');
    expect(fails({ name: 'a', upstream: up, decision_timeout_ms: 0 })).toThrow('enforcers.postgres[0].decision_timeout_ms: must be an integer');
    expect(() => validateConfig({ enforcers: { postgres: [{ name: 'a', upstream: up }, { name: 'a', upstream: up, listen: '127.0.0.1:7001' }] } })).toThrow(
      'writ.yaml: enforcers.postgres[1].name: "a" is used by another enforcer',
    );
    expect(() => validateConfig({ enforcers: { postgres: [{ name: 'a', upstream: up }, { name: 'b', upstream: up }] } })).toThrow(
      'writ.yaml: enforcers.postgres[1].listen: 127.0.0.1:6432 is also the listen address of enforcer "a"',
    );
  });
});
