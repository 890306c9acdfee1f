#!/usr/bin/env node
// After `changeset version` has bumped the package.json files, writes each package's new version
// into its src/version.ts, where it is compiled in (for the User-Agent header and --version).
// Tests keep the two equal; this keeps the "Version packages" pull request green.
//
//   node scripts/sync-versions.mjs
import { existsSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const SEMVER = /\b\d+\.\d+\.\d+(?:-[0-9A-Za-z.-]+)?(?:\+[0-9A-Za-z.-]+)?\b/g;

for (const folder of ['packages', 'actions']) {
  for (const entry of readdirSync(join(root, folder), { withFileTypes: true })) {
    const dir = join(root, folder, entry.name);
    const versionFile = join(dir, 'src', 'version.ts');
    if (!entry.isDirectory() || !existsSync(versionFile)) continue;

    const { version } = JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
    const before = readFileSync(versionFile, 'utf8');
    const after = before.replace(SEMVER, version);
    if (after !== before) {
      writeFileSync(versionFile, after);
      console.log(`${folder}/${entry.name}/src/version.ts -> ${version}`);
    }
  }
}
