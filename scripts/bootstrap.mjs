#!/usr/bin/env node
// Runs a workspace task on a machine that has only Node.js and npm: it finds (or fetches
// through npx) the pnpm version pinned in package.json, installs the workspace, builds every
// package and the action bundle, then runs the task.
//
//   node scripts/bootstrap.mjs demo [demo flags]
//   node scripts/bootstrap.mjs test [vitest flags]
import { execFileSync, spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const root = new URL('..', import.meta.url);
const manifest = JSON.parse(readFileSync(new URL('package.json', root), 'utf8'));
const pnpmVersion = manifest.packageManager.replace(/^pnpm@/, '');
const [task, ...taskArgs] = process.argv.slice(2);
const tasks = {
  demo: ['node', 'packages/action-harness/dist/demo.js'],
  test: ['pnpm', 'exec', 'vitest', 'run'],
};
if (!Object.hasOwn(tasks, task ?? '')) {
  console.error(`usage: node scripts/bootstrap.mjs <${Object.keys(tasks).join('|')}> [args]`);
  process.exit(2);
}

const env = { ...process.env, TURBO_TELEMETRY_DISABLED: '1', DO_NOT_TRACK: '1' };
const pnpm = installedPnpmMatches() ? ['pnpm'] : ['npx', '--yes', `pnpm@${pnpmVersion}`];

step([...pnpm, 'install', '--frozen-lockfile']);
step([...pnpm, 'exec', 'turbo', 'run', 'build', '--output-logs=errors-only']);
const [command, ...args] = tasks[task];
const finalStep = command === 'pnpm' ? [...pnpm, ...args] : [command, ...args];
process.exitCode = run([...finalStep, ...taskArgs]);

function installedPnpmMatches() {
  try {
    return execFileSync('pnpm', ['--version'], { encoding: 'utf8' }).trim() === pnpmVersion;
  } catch {
    return false;
  }
}

function step(commandLine) {
  const status = run(commandLine);
  if (status !== 0) {
    console.error(`bootstrap: "${commandLine.join(' ')}" failed with exit code ${status}`);
    process.exit(status);
  }
}

function run([command, ...args]) {
  const result = spawnSync(command, args, { cwd: root, stdio: 'inherit', env });
  if (result.error) throw result.error;
  return result.status ?? 1;
}
