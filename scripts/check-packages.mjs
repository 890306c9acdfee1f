#!/usr/bin/env node
// Checks every public workspace package the way a user meets it: packs it exactly as it would be
// published (pnpm rewrites `workspace:` ranges), then lints the tarball with publint and checks
// its types with "Are the Types Wrong?" for ESM consumers. Needs the packages built first.
//
//   node scripts/check-packages.mjs
import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';

const root = fileURLToPath(new URL('..', import.meta.url));
const REQUIRED_FIELDS = ['license', 'repository', 'engines', 'files', 'exports', 'types'];

const packages = ['packages', 'actions']
  .flatMap((folder) =>
    readdirSync(join(root, folder), { withFileTypes: true })
      .filter((entry) => entry.isDirectory())
      .map((entry) => join(root, folder, entry.name)),
  )
  .map((dir) => ({ dir, manifest: readManifest(dir) }))
  .filter(({ manifest }) => manifest !== undefined && manifest.private !== true);

const problems = [];
const scratch = mkdtempSync(join(tmpdir(), 'check-packages-'));
try {
  for (const { dir, manifest } of packages) {
    console.log(`-- ${manifest.name}`);

    const missing = REQUIRED_FIELDS.filter((field) => manifest[field] === undefined);
    if (manifest.type !== 'module') missing.push('type: module');
    if (missing.length > 0)
      problems.push(`${manifest.name}: package.json lacks ${missing.join(', ')}`);

    const destination = mkdtempSync(join(scratch, 'pack-'));
    if (!run('pnpm', ['pack', '--pack-destination', destination], dir, { quiet: true })) {
      problems.push(`${manifest.name}: pnpm pack failed`);
      continue;
    }
    const [tarball] = readdirSync(destination).filter((name) => name.endsWith('.tgz'));
    if (tarball === undefined) {
      problems.push(`${manifest.name}: pnpm pack wrote no tarball`);
      continue;
    }
    const packed = join(destination, tarball);

    if (!run('npx', ['--no-install', 'publint', 'run', packed, '--strict'], root)) {
      problems.push(`${manifest.name}: publint found problems`);
    }
    if (!run('npx', ['--no-install', 'attw', packed, '--profile', 'esm-only'], root)) {
      problems.push(`${manifest.name}: attw found problems with the types`);
    }
  }
} finally {
  rmSync(scratch, { recursive: true, force: true });
}

if (packages.length === 0) problems.push('no public package found');
for (const problem of problems) console.error(problem);
console.log(
  problems.length === 0
    ? `${packages.length} packages pass publint and attw`
    : `${problems.length} packaging problems`,
);
process.exitCode = problems.length === 0 ? 0 : 1;

function readManifest(dir) {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8'));
  } catch {
    return undefined;
  }
}

/** Runs a command; a quiet one shows its output only when it fails. */
function run(command, args, cwd, { quiet = false } = {}) {
  const result = spawnSync(command, args, {
    cwd,
    encoding: 'utf8',
    stdio: quiet ? 'pipe' : 'inherit',
  });
  if (quiet && result.status !== 0) process.stderr.write(`${result.stdout}${result.stderr}`);
  return result.status === 0;
}
