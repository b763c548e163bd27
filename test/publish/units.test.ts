// The pure parts of publish: what a URL looks like in logs and errors, column types, the canonical time form,
// and the configuration's refusals (which must not echo a password either).
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { redactUrl, scrubSecret } from '../../src/publish/target.js';
import { pgTypeOf } from '../../src/publish/tables.js';
import { canonicalTime } from '../../src/publish/verify.js';

describe('connection strings in logs and errors', () => {
  it('redactUrl drops the password and keeps what names the server', () => {
    expect(redactUrl('postgres://alice:s3cr%40t@db.internal:6543/team?sslmode=require')).toBe('postgres://alice@db.internal:6543/team?sslmode=require');
    expect(redactUrl('postgresql://bob@127.0.0.1/test')).toBe('postgresql://bob@127.0.0.1/test');
    expect(redactUrl('postgres://h/db?password=p4ss&user=u')).toBe('postgres://h/db?password=***&user=u');
    expect(redactUrl('::not a url::')).toBe('postgres://…');
  });

  it('scrubSecret removes the whole URL and the password in both its encoded and decoded forms', () => {
    const url = 'postgres://alice:s3cr%40t@db:5432/team';
    expect(scrubSecret(`failed for ${url}: password s3cr@t rejected (s3cr%40t)`, url)).toBe('failed for postgres://alice@db:5432/team: password *** rejected (***)');
    expect(scrubSecret('nothing secret here', 'postgres://u@h/d')).toBe('nothing secret here');
  });

  it('the configuration refuses a bad URL or schema without repeating the password', () => {
    const attempt = (env: Record<string, string>, flags = {}): string => {
      try {
        loadConfig(env, flags, { requireKeys: false });
        return 'accepted';
      } catch (err) {
        expect(err).toBeInstanceOf(ConfigError);
        return (err as Error).message;
      }
    };
    expect(attempt({ MODELLAB_PUBLISH_URL: 'mysql://root:hunter2@h/db' })).toBe('MODELLAB_PUBLISH_URL: expected a postgres:// or postgresql:// URL, got mysql://…');
    expect(attempt({ MODELLAB_PUBLISH_URL: 'postgres://u:hunter2@/db' })).toBe('MODELLAB_PUBLISH_URL: not a URL; expected postgres://USER[:PASSWORD]@HOST[:PORT]/DATABASE');
    expect(attempt({ MODELLAB_PUBLISH_URL: 'postgres:///db' })).toMatch(/^MODELLAB_PUBLISH_URL: the URL names no host/);
    expect(attempt({}, { schema: 'x; DROP TABLE runs' })).toMatch(/^--schema: expected a schema name of lower-case letters/);
    expect(attempt({ MODELLAB_PUBLISH_SCHEMA: 'pg_catalog' })).toMatch(/^MODELLAB_PUBLISH_SCHEMA: "pg_catalog" is a PostgreSQL system or shared schema/);
    const ok = loadConfig({ MODELLAB_PUBLISH_URL: 'postgres://u:hunter2@db/team' }, {}, { requireKeys: false }).publish;
    expect(ok.schema).toBe('modellab');
    expect(ok.url?.reveal()).toBe('postgres://u:hunter2@db/team');
    expect(JSON.stringify(ok)).not.toContain('hunter2');
    expect(loadConfig({}, {}, { requireKeys: false }).publish.url).toBeNull();
  });
});

describe('column types of the copy', () => {
  it('maps by SQLite type and by name', () => {
    const cases: Array<[string, string, string]> = [
      ['id', 'integer', 'bigint'],
      ['duration', 'real', 'double precision'],
      ['is_pinned', 'integer', 'boolean'],
      ['is_dir', 'integer', 'boolean'],
      ['created_at', 'text', 'timestamptz'],
      ['artifacts_listed_for', 'text', 'timestamptz'],
      ['raw_json', 'text', 'jsonb'],
      ['before', 'text', 'jsonb'],
      ['name', 'text', 'text'],
      // A column a later migration adds: typed by its SQLite type, no code change.
      ['mlflow_run_id', 'text', 'text'],
      ['mlflow_experiment_id', 'text', 'text'],
    ];
    for (const [column, type, expected] of cases) expect(pgTypeOf(column, type), column).toBe(expected);
  });
});

describe('canonicalTime', () => {
  it('brings either store\'s time text to the mirror\'s stored form', () => {
    expect(canonicalTime('2026-05-18T15:55:50.387050Z')).toBe('2026-05-18T15:55:50.387050Z');
    expect(canonicalTime('2026-05-18T15:55:50.387Z')).toBe('2026-05-18T15:55:50.387000Z');
    expect(canonicalTime('2026-05-18 15:55:50.38705+00')).toBe('2026-05-18T15:55:50.387050Z');
    expect(canonicalTime('2026-05-18T15:55:50Z')).toBe('2026-05-18T15:55:50.000000Z');
    expect(canonicalTime('not a time')).toBe('not a time');
  });
});
