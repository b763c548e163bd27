import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { inspect } from 'node:util';
import { describe, expect, it } from 'vitest';
import { ConfigError, loadConfig } from '../../src/config/index.js';
import { tmpDir } from '../helpers/tmp.js';

const KEYS = { DD_API_KEY: 'api-key-abcdef123456', DD_APP_KEY: 'app-key-654321fedcba' };

describe('configuration', () => {
  it.each([
    [undefined, 'https://api.datadoghq.com/api/v2/model-lab-api'],
    ['datadoghq.eu', 'https://api.datadoghq.eu/api/v2/model-lab-api'],
    ['us3.datadoghq.com', 'https://api.us3.datadoghq.com/api/v2/model-lab-api'],
    ['ddog-gov.com', 'https://api.ddog-gov.com/api/v2/model-lab-api'],
  ])('DD_SITE=%s → %s', (site, url) => {
    expect(loadConfig({ ...KEYS, ...(site ? { DD_SITE: site } : {}) }).api.baseUrl).toBe(url);
  });

  it('MODELLAB_BASE_URL wins over DD_SITE and gets the API prefix', () => {
    expect(loadConfig({ ...KEYS, DD_SITE: 'datadoghq.eu', MODELLAB_BASE_URL: 'http://127.0.0.1:8080' }).api.baseUrl).toBe(
      'http://127.0.0.1:8080/api/v2/model-lab-api',
    );
  });

  it('reads keys from *_FILE and never shows them when printed, logged or serialized', () => {
    const { dir, cleanup } = tmpDir();
    try {
      writeFileSync(join(dir, 'api'), `${KEYS.DD_API_KEY}\n`);
      writeFileSync(join(dir, 'app'), KEYS.DD_APP_KEY);
      const config = loadConfig({ DD_API_KEY_FILE: join(dir, 'api'), DD_APP_KEY_FILE: join(dir, 'app') });
      expect(config.api.apiKey.reveal()).toBe(KEYS.DD_API_KEY);
      expect(config.api.appKey.reveal()).toBe(KEYS.DD_APP_KEY);
      for (const shown of [JSON.stringify(config), inspect(config, { depth: 10 }), String(config.api.apiKey), `${config.api.appKey}`]) {
        expect(shown).not.toContain(KEYS.DD_API_KEY);
        expect(shown).not.toContain(KEYS.DD_APP_KEY);
      }
    } finally {
      cleanup();
    }
  });

  it('defaults: ./data/mirror.db, auto mode, artifacts all, depth 3, concurrency 8, 60 s overlap', () => {
    const c = loadConfig(KEYS);
    expect(c.dbPath).toBe('./data/mirror.db');
    expect(c.sync.mode).toBe('auto');
    expect(c.sync.artifacts).toMatchObject({ policy: 'all', maxDepth: 3 });
    expect(c.api.concurrency).toBe(8);
    expect(c.sync.overlapMs).toBe(60_000);
    expect(loadConfig({ ...KEYS, MODELLAB_DB: '/x/y.db' }, { db: '/z.db' }).dbPath).toBe('/z.db');
    expect(loadConfig({ ...KEYS, MODELLAB_DB: '/x/y.db' }).dbPath).toBe('/x/y.db');
  });

  it('bounds waits: MODELLAB_MAX_WAIT_SECONDS (default 900) and MODELLAB_REQUEST_DEADLINE_SECONDS (default 300)', () => {
    expect(loadConfig(KEYS).api).toMatchObject({ maxWaitMs: 900_000, requestDeadlineMs: 300_000 });
    expect(loadConfig({ ...KEYS, MODELLAB_MAX_WAIT_SECONDS: '60', MODELLAB_REQUEST_DEADLINE_SECONDS: '45' }).api).toMatchObject({
      maxWaitMs: 60_000,
      requestDeadlineMs: 45_000,
    });
    expect(loadConfig({ ...KEYS, MODELLAB_MAX_WAIT_SECONDS: '0' }).api.maxWaitMs).toBe(0);
    expect(() => loadConfig({ ...KEYS, MODELLAB_MAX_WAIT_SECONDS: '15m' })).toThrow(
      new ConfigError('MODELLAB_MAX_WAIT_SECONDS: expected a whole number from 0 to 86400, got "15m"'),
    );
    expect(() => loadConfig({ ...KEYS, MODELLAB_REQUEST_DEADLINE_SECONDS: '0' })).toThrow(
      new ConfigError('MODELLAB_REQUEST_DEADLINE_SECONDS: expected a whole number from 1 to 86400, got "0"'),
    );
  });

  it('flags win over the environment and are validated', () => {
    const c = loadConfig({ ...KEYS, MODELLAB_ARTIFACTS: 'none', MODELLAB_RATE_LIMIT: '300/60' }, { artifacts: 'finished', project: ['3,1', '7'] });
    expect(c.sync.artifacts.policy).toBe('finished');
    expect(c.sync.projectIds).toEqual([3, 1, 7]);
    expect(c.api.requestsPerPeriod).toEqual({ limit: 300, periodMs: 60_000 });
    expect(() => loadConfig(KEYS, { project: ['abc'] })).toThrow(new ConfigError('--project: expected a positive project id, got "abc"'));
    expect(() => loadConfig(KEYS, { full: true, incremental: true })).toThrow(ConfigError);
  });
});
