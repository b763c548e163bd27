// Loaded with `node --import` by test/cli/startup.test.ts: appends every module the process loads (ESM
// through a resolve hook, CommonJS from require.cache at exit) to the file named by MODULE_LOG.
import { appendFileSync } from 'node:fs';
import { createRequire, register } from 'node:module';
import process from 'node:process';

const log = process.env.MODULE_LOG;
if (log) {
  register(
    'data:text/javascript,' +
      encodeURIComponent(`import { appendFileSync } from 'node:fs';
export async function resolve(specifier, context, next) {
  const r = await next(specifier, context);
  appendFileSync(${JSON.stringify(log)}, r.url + '\\n');
  return r;
}`),
  );
  const require = createRequire(import.meta.url);
  process.on('exit', () => appendFileSync(log, Object.keys(require.cache).map((p) => `file://${p}\n`).join('')));
}
