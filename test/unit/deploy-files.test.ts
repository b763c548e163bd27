import { spawn } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { join } from 'node:path';
import { Command } from 'commander';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registerCommands } from '../../src/cli/index.js';
import { startEmulator, type RunningEmulator } from '../../src/emulator/index.js';
import { ROOT, spawnCli } from '../helpers/cli.js';
import { tmpDir } from '../helpers/tmp.js';

interface ComposeService {
  build?: unknown;
  depends_on?: Record<string, { condition: string }> | string[];
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  volumes?: string[];
  ports?: string[];
  profiles?: string[];
  user?: string;
  healthcheck?: { test?: string[]; disable?: boolean; start_period?: string };
}

const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
  services: Record<string, ComposeService>;
  secrets: Record<string, { file: string }>;
  volumes: Record<string, unknown>;
};
// The services that run this program (the image built here); the others are stock images.
const ours = Object.entries(compose.services).filter(([, s]) => s.build !== undefined);
const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');

/** Runs an argv as a plain process and collects its output (what `docker compose` would run, minus Docker). */
function run(argv: string[], env: Record<string, string>, timeoutMs = 60_000): Promise<{ code: number | null; stdout: string; stderr: string }> {
  const [command, ...args] = argv;
  const child = spawn(command === 'node' ? process.execPath : command!, args, { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', ...env } });
  let stdout = '';
  let stderr = '';
  child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
  child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
  const timer = setTimeout(() => child.kill('SIGKILL'), timeoutMs);
  return new Promise((resolve) =>
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    }),
  );
}

// No Docker engine runs here: the compose file and the Dockerfile are checked by parsing them, holding them
// against the CLI, and running their commands as plain processes.
describe('docker-compose.yml and Dockerfile', () => {
  const program = new Command();
  const commands = new Map<string, Command>();
  beforeAll(async () => {
    await registerCommands(program);
    for (const c of program.commands) commands.set(c.name(), c);
  });

  it('every service runs a real command with options that command accepts', () => {
    expect(Object.keys(compose.services).sort()).toEqual(['emulator', 'mirror', 'mirror-emulated', 'mirror-postgres', 'postgres', 'serve', 'serve-emulated']);
    for (const [name, service] of ours) {
      const [command, ...args] = service.command ?? [];
      expect(commands.has(command!), `${name}: unknown command ${command}`).toBe(true);
      const flags = commands.get(command!)!.options.map((o) => o.long);
      for (const arg of args.filter((a) => a.startsWith('--'))) expect(flags, `${name}: ${command} has no ${arg}`).toContain(arg);
    }
  });

  it('the emulator profile is self-contained (no secrets, no account); the real mirror has its own profile', () => {
    // `docker compose --profile X up` starts the services of profile X plus those without a profile: there are none.
    for (const [name, service] of Object.entries(compose.services)) expect(service.profiles, name).toHaveLength(1);
    const emulated = Object.entries(compose.services).filter(([, s]) => s.profiles!.includes('emulator'));
    expect(emulated.map(([n]) => n).sort()).toEqual(['emulator', 'mirror-emulated', 'serve-emulated']);
    for (const [name, service] of emulated) {
      expect(service.secrets, name).toBeUndefined();
      expect(JSON.stringify(service.environment ?? {}), name).not.toContain('_FILE');
    }
    expect(compose.services['mirror']!.profiles).toEqual(['mirror']);
    expect(compose.services['serve']!.profiles).toEqual(['mirror']);
  });

  it('the mirror services read keys from secrets, keep database and snapshots on the volume, publish metrics to loopback, run as a configurable user', () => {
    const mirror = compose.services['mirror']!;
    expect(mirror.environment!['DD_API_KEY_FILE']).toBe('/run/secrets/dd_api_key');
    expect(mirror.environment!['DD_APP_KEY_FILE']).toBe('/run/secrets/dd_app_key');
    expect(mirror.environment).not.toHaveProperty('DD_API_KEY');
    expect(mirror.secrets).toEqual(['dd_api_key', 'dd_app_key']);
    expect(Object.keys(compose.secrets)).toEqual(['dd_api_key', 'dd_app_key', 'serve_token']);
    for (const name of ['mirror', 'mirror-emulated', 'mirror-postgres']) {
      const service = compose.services[name]!;
      expect(service.volumes, name).toEqual(['./data:/data']);
      expect(service.environment!['MODELLAB_DB'], name).toMatch(/^\/data\//);
      expect(service.environment!['MODELLAB_SNAPSHOT_DIR'], name).toMatch(/^\/data\//);
      expect(service.environment!['MODELLAB_HTTP_HOST'], name).toBe('0.0.0.0');
      expect(service.ports, name).toEqual([`127.0.0.1:${name === 'mirror-emulated' ? 9465 : 9464}:9464`]);
      expect(service.user, name).toBe('${MODELLAB_UID:-1000}:${MODELLAB_GID:-1000}');
      expect(service.healthcheck?.test?.slice(0, 2), name).toEqual(['CMD', 'node']);
    }
    expect(compose.services['emulator']!.ports).toEqual(['127.0.0.1:8080:8080']);
    const known = readFileSync(join(ROOT, 'src/config/config.ts'), 'utf8');
    for (const [, service] of ours)
      for (const key of Object.keys(service.environment ?? {})) expect(known, `${key} is not read by the config`).toContain(`'${key.replace(/_FILE$/, '')}`);
  });

  it('the postgres profile: a PostgreSQL with a volume and a healthcheck, and the daemon publishing to it once it is healthy', () => {
    const pg = compose.services['postgres']!;
    const mirror = compose.services['mirror-postgres']!;
    expect(pg.profiles).toEqual(['postgres']);
    expect(mirror.profiles).toEqual(['postgres']);
    expect(pg.image).toMatch(/^postgres:\d+/);
    expect(pg.volumes).toEqual(['pgdata:/var/lib/postgresql/data']);
    expect(Object.keys(compose.volumes)).toEqual(['pgdata']);
    expect(pg.healthcheck?.test).toEqual(['CMD', 'pg_isready', '-U', pg.environment!['POSTGRES_USER'], '-d', pg.environment!['POSTGRES_DB']]);
    expect(pg.ports).toEqual(['127.0.0.1:5433:5432']);
    expect(mirror.depends_on).toEqual({ postgres: { condition: 'service_healthy' } });
    const url = new URL(mirror.environment!['MODELLAB_PUBLISH_URL']!.replace('${MODELLAB_PG_PASSWORD:-modellab}', 'pw'));
    expect(url.protocol).toBe('postgres:');
    expect(url.hostname).toBe('postgres');
    expect(url.port).toBe('5432');
    expect(url.username).toBe(pg.environment!['POSTGRES_USER']);
    expect(url.pathname).toBe(`/${pg.environment!['POSTGRES_DB']}`);
    expect(pg.environment!['POSTGRES_PASSWORD']).toBe('${MODELLAB_PG_PASSWORD:-modellab}');
    expect(mirror.environment!['MODELLAB_PUBLISH_SCHEMA']).toBe('modellab');
    // The same mirror as the mirror profile, plus publishing.
    const { MODELLAB_PUBLISH_URL: _url, MODELLAB_PUBLISH_SCHEMA: _schema, ...rest } = mirror.environment!;
    expect(rest).toEqual(compose.services['mirror']!.environment);
  });

  it('serve runs in both profiles over its profile\'s database, published on loopback, with a token (it binds 0.0.0.0 in the container) and a healthcheck', () => {
    for (const [name, db, port] of [['serve', '/data/mirror.db', 8484], ['serve-emulated', '/data/emulated.db', 8485]] as const) {
      const service = compose.services[name]!;
      expect(service.command, name).toEqual(['serve']);
      expect(service.environment!['MODELLAB_DB'], name).toBe(db);
      expect(service.environment!['MODELLAB_SERVE_HOST'], name).toBe('0.0.0.0');
      expect(service.ports, name).toEqual([`127.0.0.1:${port}:8484`]);
      expect(service.volumes, name).toEqual(['./data:/data']);
      expect(service.healthcheck?.test?.slice(0, 2), name).toEqual(['CMD', 'node']);
      expect(service.healthcheck?.test?.join(' '), name).toContain('/healthz');
    }
    expect(compose.services['serve']!.environment!['MODELLAB_SERVE_TOKEN_FILE']).toBe('/run/secrets/serve_token');
    expect(compose.services['serve']!.secrets).toEqual(['serve_token']);
    expect(compose.services['serve-emulated']!.environment!['MODELLAB_SERVE_TOKEN']).toBe('${MODELLAB_SERVE_TOKEN:-emulated}');
  });

  it('the image builds on Node 22 from the lockfile and runs the built CLI (no tsx) as a non-root user', () => {
    const froms = [...dockerfile.matchAll(/^FROM (\S+)/gm)].map((m) => m[1]);
    expect(froms).toEqual(['node:22-bookworm-slim', 'deps', 'node:22-bookworm-slim']);
    expect(dockerfile).toContain('RUN npm ci --omit=dev');
    expect(dockerfile).toMatch(/^RUN npm ci --no-audit --no-fund$/m);
    expect(dockerfile).toContain('RUN npm run build');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["modellab-mirror-entrypoint", "node", "dist/cli.js"]');
    expect(dockerfile).toContain('COPY migrations ./migrations');
    expect(dockerfile).not.toMatch(/tsx/);
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as {
      engines: { node: string }; bin: Record<string, string>; dependencies: Record<string, string>; devDependencies: Record<string, string>;
    };
    expect(pkg.engines.node).toMatch(/^>=20/);
    expect(pkg.bin['modellab-mirror']).toBe('dist/cli.js');
    expect(pkg.dependencies).not.toHaveProperty('tsx');
    expect(pkg.devDependencies).toHaveProperty('tsx');
    expect(pkg.dependencies['hyparquet-writer']).toMatch(/^\d+\.\d+\.\d+$/);
    // The image's healthcheck and the compose one are the same one-liner.
    const imageCheck = /HEALTHCHECK [^\n]*\\\n\s+CMD (\[.*\])/.exec(dockerfile)![1]!;
    expect(JSON.parse(imageCheck)).toEqual(compose.services['mirror']!.healthcheck!.test!.slice(1));
  });

  describe('run as plain processes', () => {
    let emu: RunningEmulator;
    const tmp = tmpDir();
    beforeAll(async () => {
      emu = await startEmulator({ port: 0, seed: 5, projects: 2, runs: 120 });
    });
    afterAll(async () => {
      await emu.close();
      tmp.cleanup();
    });

    it('the mirror-emulated service (its command and environment, /data and the emulator host moved) turns healthy by its own healthcheck', async () => {
      const service = compose.services['mirror-emulated']!;
      const port = await new Promise<number>((resolve) => {
        const s = createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => resolve(p));
        });
      });
      const env = Object.fromEntries(
        Object.entries(service.environment!).map(([k, v]) => [k, v.replace('http://emulator:8080', emu.url).replace(/^\/data\//, `${tmp.dir}/`)]),
      );
      Object.assign(env, { MODELLAB_HTTP_HOST: '127.0.0.1', MODELLAB_HTTP_PORT: String(port) });
      // The compose schedule is once a minute; the pass at start is what turns it healthy.
      const child = spawnCli(service.command!, env);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const check = service.healthcheck!.test!.slice(1);
        const deadline = Date.now() + 60_000;
        let code: number | null = 1;
        while (Date.now() < deadline && (code = (await run(check, { MODELLAB_HTTP_PORT: String(port) })).code) !== 0) await new Promise((r) => setTimeout(r, 300));
        expect(code).toBe(0);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    }, 90_000);

    it('the serve-emulated service (its command and environment, /data moved) turns healthy by its own healthcheck and asks for its token', async () => {
      const db = join(tmp.dir, 'serve', 'emulated.db');
      const { syncOnce } = await import('../helpers/mirror.js');
      await syncOnce(emu.url, db);
      const service = compose.services['serve-emulated']!;
      const port = await new Promise<number>((resolve) => {
        const s = createServer().listen(0, '127.0.0.1', () => {
          const p = (s.address() as { port: number }).port;
          s.close(() => resolve(p));
        });
      });
      const env = Object.fromEntries(Object.entries(service.environment!).map(([k, v]) => [k, v.replace(/^\/data\/.*/, db).replace('${MODELLAB_SERVE_TOKEN:-emulated}', 'emulated')]));
      Object.assign(env, { MODELLAB_SERVE_PORT: String(port) });
      const child = spawnCli(service.command!, env);
      const exited = new Promise<number | null>((resolve) => child.on('exit', (code) => resolve(code)));
      try {
        const check = service.healthcheck!.test!.slice(1);
        const deadline = Date.now() + 60_000;
        let code: number | null = 1;
        while (Date.now() < deadline && (code = (await run(check, { MODELLAB_SERVE_PORT: String(port) })).code) !== 0) await new Promise((r) => setTimeout(r, 300));
        expect(code).toBe(0);
        const api = `http://127.0.0.1:${port}/api/v2/model-lab-api/projects`;
        expect((await fetch(api)).status).toBe(403);
        expect((await fetch(api, { headers: { 'DD-API-KEY': 'emulated' } })).status).toBe(200);
      } finally {
        child.kill('SIGTERM');
      }
      expect(await exited).toBe(0);
    }, 90_000);

    it('the entrypoint runs the command when the data folder is writable', async () => {
      const r = await run(['sh', 'docker/entrypoint.sh', 'node', '-e', 'console.log("started", process.argv.slice(1).join(" "))', 'daemon'], {
        MODELLAB_DB: join(tmp.dir, 'entry', 'mirror.db'),
      });
      expect(r.code).toBe(0);
      expect(r.stdout.trim()).toBe('started daemon');
    });

    it('the entrypoint does not restart-loop on an empty or unreadable key file: it says what to do, waits, then runs (issue 18 item 11)', async () => {
      const keys = join(tmp.dir, 'secrets');
      mkdirSync(keys, { recursive: true });
      const apiKey = join(keys, 'dd_api_key');
      writeFileSync(apiKey, '\n'); // what `printf %s "$DD_API_KEY" > …` writes from an unset variable, give or take a newline
      const [command, ...args] = ['sh', 'docker/entrypoint.sh', 'node', '-e', 'console.log("started")', 'daemon'];
      const child = spawn(command!, args, {
        cwd: ROOT,
        env: { PATH: process.env['PATH'] ?? '', MODELLAB_DB: join(tmp.dir, 'keys-data', 'mirror.db'), DD_API_KEY_FILE: apiKey, DD_APP_KEY_FILE: join(keys, 'missing') },
      });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const exited = new Promise<number | null>((resolve) => child.on('close', (code) => resolve(code)));
      const deadline = Date.now() + 10_000;
      while (!stderr.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      expect(child.exitCode).toBeNull();
      expect(stdout).toBe('');
      expect(stderr.trim()).toBe(
        `error [secret_unusable]: DD_API_KEY_FILE: ${apiKey} is empty; DD_APP_KEY_FILE: ${join(keys, 'missing')} does not exist; ` +
          `on the host write the key into ./secrets (printf %s "$DD_API_KEY" > secrets/dd_api_key, the same for dd_app_key), readable by ${process.getuid!()}:${process.getgid!()} ` +
          '(chmod 0644, or chown to MODELLAB_UID:MODELLAB_GID); waiting until it is usable',
      );
      // The keys arrive: the command starts on its own (the entrypoint checks every 5 s).
      writeFileSync(apiKey, 'an-api-key');
      writeFileSync(join(keys, 'missing'), 'an-app-key');
      expect(await exited).toBe(0);
      expect(stdout.trim()).toBe('started');
    }, 30_000);

    it('the entrypoint does not crash-loop on a data folder it cannot write: it says what to run and waits', async () => {
      const [command, ...args] = ['sh', 'docker/entrypoint.sh', 'node', '-e', 'console.log("started")', 'daemon'];
      // /proc refuses new folders even to root: the check fails as it would on a root-owned ./data.
      const child = spawn(command!, args, { cwd: ROOT, env: { PATH: process.env['PATH'] ?? '', MODELLAB_DB: '/proc/modellab-no-such/mirror.db' } });
      let stderr = '';
      let stdout = '';
      child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
      child.stdout.on('data', (d: Buffer) => (stdout += d.toString()));
      const deadline = Date.now() + 10_000;
      while (!stderr.includes('\n') && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      await new Promise((r) => setTimeout(r, 500));
      expect(child.exitCode).toBeNull();
      child.kill('SIGKILL');
      expect(stdout).toBe('');
      expect(stderr).toMatch(/^error \[data_dir_not_writable\]: \/proc\/modellab-no-such .* is not writable by \d+:\d+, the user this container runs as; on the host run: sudo chown -R \d+:\d+ \.\/data/);
    });
  });
});
