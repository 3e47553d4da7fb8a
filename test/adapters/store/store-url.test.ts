import { describe, expect, it } from 'vitest';
import { displayStoreUrl, parseStoreUrl, storeSecrets, storeUrlPassword } from '../../../src/adapters/store/store-url.js';

describe('STORE_URL', () => {
  it.each([
    ['sqlite://data/contextcord.sqlite', { kind: 'sqlite', path: '/srv/bot/data/contextcord.sqlite' }],
    ['sqlite://./x.sqlite', { kind: 'sqlite', path: '/srv/bot/x.sqlite' }],
    ['sqlite:///var/lib/contextcord/x.sqlite', { kind: 'sqlite', path: '/var/lib/contextcord/x.sqlite' }],
    ['sqlite://:memory:', { kind: 'sqlite', path: ':memory:' }],
    ['memory://', { kind: 'memory' }],
    [' memory:// ', { kind: 'memory' }],
    [
      'redis://127.0.0.1:6379/2',
      { kind: 'redis', url: 'redis://127.0.0.1:6379/2', tls: false, db: 2, namespace: 'contextcord', display: 'redis://127.0.0.1:6379/2' },
    ],
    ['redis://cache.internal', { kind: 'redis', url: 'redis://cache.internal', tls: false, db: 0, namespace: 'contextcord' }],
    [
      'rediss://default:s3cret-pass@redis.example.com:6380/0?namespace=bot-eu',
      {
        kind: 'redis',
        url: 'rediss://default:s3cret-pass@redis.example.com:6380/0',
        tls: true,
        db: 0,
        namespace: 'bot-eu',
        display: 'rediss://default:***@redis.example.com:6380/0?namespace=bot-eu',
      },
    ],
    [
      'postgresql://bot:pw@db.example.com:5432/contextcord',
      { kind: 'postgres', connectionString: 'postgresql://bot:pw@db.example.com:5432/contextcord', schema: 'public', sslmode: undefined, display: 'postgresql://bot:***@db.example.com:5432/contextcord' },
    ],
    [
      'postgres://postgres@127.0.0.1:5432/test?sslmode=require&schema=bot_one&application_name=cc',
      {
        kind: 'postgres',
        connectionString: 'postgres://postgres@127.0.0.1:5432/test?sslmode=require&application_name=cc&uselibpqcompat=true',
        schema: 'bot_one',
        sslmode: 'require',
      },
    ],
    ['postgres://u@h/d?sslmode=disable', { kind: 'postgres', sslmode: 'disable', connectionString: 'postgres://u@h/d?sslmode=disable&uselibpqcompat=true' }],
    ['postgres://u@h/d?sslmode=verify-full&uselibpqcompat=false', { kind: 'postgres', sslmode: 'verify-full', connectionString: 'postgres://u@h/d?sslmode=verify-full&uselibpqcompat=false' }],
    ['postgresql:///contextcord?host=/var/run/postgresql', { kind: 'postgres', schema: 'public' }],
  ])('%s', (text, expected) => {
    expect(parseStoreUrl(text, '/srv/bot')).toMatchObject(expected);
  });

  it.each([
    ['mysql://x', /the scheme mysql:\/\/ is not supported: expected sqlite:\/\/path\/to\/file.sqlite, redis:\/\/host:port\/db/],
    ['data/contextcord.sqlite', /expected sqlite:\/\/path/],
    ['sqlite://', /sqlite:\/\/ needs a file path/],
    ['redis://127.0.0.1:6379/zero', /the database must be a number, e.g. redis:\/\/127.0.0.1:6379\/0, got \/zero/],
    ['redis://127.0.0.1:6379/0?prefix=x', /unknown parameter prefix; a redis URL takes only namespace/],
    ['redis://127.0.0.1:6379/0?namespace=a:b', /namespace must be 1 to 64 letters/],
    ['redis://:pw@127.0.0.1:99999', /is not a valid URL/],
    ['postgres://u@h/d?sslmode=allow', /sslmode must be one of disable, prefer, require, verify-ca, verify-full, got "allow"/],
    ['postgres://u@h/d?schema=Bad-Name', /schema must be a lowercase SQL name/],
    ['postgres:///d', /names no host/],
  ])('refuses %s, saying what is allowed', (text, message) => {
    expect(() => parseStoreUrl(text, '/srv/bot')).toThrow(message);
  });

  it('never puts the password in a refusal, the display form or anywhere but the password itself', () => {
    for (const text of ['redis://:hunter2-long@127.0.0.1:99999', 'postgres://u:hunter2-long@h/d?sslmode=allow', 'redis://u:hunter2-long@h/x']) {
      expect(() => parseStoreUrl(text)).toThrow();
      try {
        parseStoreUrl(text);
      } catch (error) {
        expect(String(error)).not.toContain('hunter2');
      }
      expect(displayStoreUrl(text)).not.toContain('hunter2');
    }
    expect(displayStoreUrl('postgres://bot:p%40ss@db/x')).toBe('postgres://bot:***@db/x');
    expect(storeUrlPassword('postgres://bot:p%40ss@db/x')).toBe('p@ss');
    expect(storeUrlPassword('redis://127.0.0.1')).toBeUndefined();
    expect(storeSecrets('postgres://bot:p%40ss-word@db/x')).toEqual(['p@ss-word', 'p%40ss-word']);
    expect(storeSecrets('sqlite://data/x.sqlite')).toEqual([]);
    expect(displayStoreUrl('sqlite://data/x.sqlite')).toBe('sqlite://data/x.sqlite');
  });
});
