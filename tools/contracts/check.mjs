// Checks the platform's contract documents with the tools people load them
// with: the official AsyncAPI parser and Redocly CLI's recommended lint.
// Usage: node check.mjs --asyncapi FILE --openapi FILE
// It prints every finding and exits 1 when either tool reports an error.
import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { Parser } from '@asyncapi/parser';

const here = dirname(fileURLToPath(import.meta.url));

// Spectral's severities, as the AsyncAPI parser reports them.
const severities = ['error', 'warning', 'info', 'hint'];

async function checkAsyncAPI(file) {
  const { diagnostics } = await new Parser().parse(readFileSync(file, 'utf8'), { source: file });
  let errors = 0;
  for (const d of diagnostics) {
    const level = severities[d.severity] ?? String(d.severity);
    if (d.severity === 0) errors++;
    console.log(`asyncapi ${level}: ${d.code}: ${d.message} at ${d.path.join('/')}`);
  }
  console.log(`asyncapi: ${file}: ${errors} errors, ${diagnostics.length - errors} other findings`);
  return errors === 0;
}

function checkOpenAPI(file) {
  const redocly = join(here, 'node_modules', '.bin', 'redocly');
  const run = spawnSync(redocly, ['lint', '--extends', 'recommended', '--format', 'stylish', file], {
    encoding: 'utf8',
    env: { ...process.env, REDOCLY_TELEMETRY: 'off', REDOCLY_SUPPRESS_UPDATE_NOTICE: 'true' },
  });
  process.stdout.write(run.stdout ?? '');
  process.stdout.write(run.stderr ?? '');
  if (run.error) throw run.error;
  console.log(`openapi: ${file}: redocly lint exited ${run.status}`);
  return run.status === 0;
}

const { values } = parseArgs({ options: { asyncapi: { type: 'string' }, openapi: { type: 'string' } } });
if (!values.asyncapi && !values.openapi) {
  console.error('usage: node check.mjs --asyncapi FILE --openapi FILE');
  process.exit(2);
}
let ok = true;
if (values.asyncapi) ok = (await checkAsyncAPI(values.asyncapi)) && ok;
if (values.openapi) ok = checkOpenAPI(values.openapi) && ok;
process.exit(ok ? 0 : 1);
