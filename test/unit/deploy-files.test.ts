import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { Command } from 'commander';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { registerCommands } from '../../src/cli/index.js';
import { ROOT } from '../helpers/cli.js';

interface ComposeService {
  build?: unknown;
  image?: string;
  command?: string[];
  environment?: Record<string, string>;
  secrets?: string[];
  volumes?: string[];
  profiles?: string[];
}

// No Docker engine runs here: the compose file is checked by parsing it and holding it against the CLI.
describe('docker-compose.yml and Dockerfile', () => {
  const compose = parse(readFileSync(join(ROOT, 'docker-compose.yml'), 'utf8')) as {
    services: Record<string, ComposeService>;
    secrets: Record<string, { file: string }>;
  };
  const program = new Command();
  registerCommands(program);
  const commands = new Map(program.commands.map((c) => [c.name(), c]));

  it('every service runs a real command with options that command accepts', () => {
    expect(Object.keys(compose.services)).toEqual(expect.arrayContaining(['mirror', 'emulator', 'mirror-emulated']));
    for (const [name, service] of Object.entries(compose.services)) {
      const [command, ...args] = service.command ?? [];
      expect(commands.has(command!), `${name}: unknown command ${command}`).toBe(true);
      const flags = commands.get(command!)!.options.map((o) => o.long);
      for (const arg of args.filter((a) => a.startsWith('--'))) expect(flags, `${name}: ${command} has no ${arg}`).toContain(arg);
    }
  });

  it('the mirror service reads keys from secrets, keeps its database on a volume, and names only known settings', () => {
    const mirror = compose.services['mirror']!;
    expect(mirror.environment!['DD_API_KEY_FILE']).toBe('/run/secrets/dd_api_key');
    expect(mirror.environment!['DD_APP_KEY_FILE']).toBe('/run/secrets/dd_app_key');
    expect(mirror.environment).not.toHaveProperty('DD_API_KEY');
    expect(mirror.secrets).toEqual(['dd_api_key', 'dd_app_key']);
    expect(Object.keys(compose.secrets)).toEqual(['dd_api_key', 'dd_app_key']);
    expect(mirror.volumes).toContain('./data:/data');
    const known = readFileSync(join(ROOT, 'src/config/config.ts'), 'utf8');
    for (const service of Object.values(compose.services))
      for (const key of Object.keys(service.environment ?? {})) expect(known, `${key} is not read by the config`).toContain(key.replace(/_FILE$/, ''));
  });

  it('the image is Node 20, built from the lockfile, and runs the built CLI as a non-root user', () => {
    const dockerfile = readFileSync(join(ROOT, 'Dockerfile'), 'utf8');
    expect(dockerfile).toMatch(/^FROM node:20-bookworm-slim AS build$/m);
    expect(dockerfile).toContain('RUN npm ci');
    expect(dockerfile).toMatch(/^USER node$/m);
    expect(dockerfile).toContain('ENTRYPOINT ["node", "dist/cli.js"]');
    const pkg = JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { engines: { node: string }; bin: Record<string, string> };
    expect(pkg.engines.node).toMatch(/^>=20/);
    expect(pkg.bin['modellab-mirror']).toBe('dist/cli.js');
  });
});
