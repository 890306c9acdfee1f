/**
 * Bundle size: the bytes of the committed action bundle beside yardstick (b), and what they are
 * made of. Each byte is put down to the module it came from, read from the bundle's own module
 * markers, with ncc's build statistics naming the numbered modules. A successful run under V8
 * coverage then shows how much of each package a run that exports a key ever executes.
 *
 *   node bench/bundle-size.mjs
 */
import { spawnSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { pathToFileURL } from 'node:url';
import { exportedKey, runStep } from './action-step.mjs';
import { buildToolkitYardstick } from './cold-start.mjs';
import {
  ACTION_BUNDLE,
  importMockPlatform,
  isMain,
  printRows,
  ROOT,
  readFlags,
  SCRATCH,
  times,
} from './report.mjs';

const ACTION_DIR = join(ROOT, 'actions', 'provision-litellm-key');
const TOKEN = 'bench-token';

/** Measures the bundle and resolves with table rows, detail lines and the per-package split. */
export async function measureBundleSize() {
  const source = readFileSync(ACTION_BUNDLE, 'utf8');
  const bytes = Buffer.byteLength(source);
  const yardstickBytes = readFileSync(buildToolkitYardstick()).length;

  const stats = readBuildStats(source);
  const sections = splitIntoModules(source, stats.names);
  const executed = await coverageOfSuccessfulRun(source.length);
  const packages = summarise(sections, executed, packageOf);
  const modules = summarise(sections, executed, shortName);

  const ratio = bytes / yardstickBytes;
  const rows = [
    {
      benchmark: '2. Bundle size (dist/index.js)',
      measured: `${kib(bytes)} KiB`,
      yardstick: `(b) @actions/core + node:http bundle ${kib(yardstickBytes)} KiB`,
      ratio: times(ratio),
      goal: 'report only',
      met: undefined,
    },
  ];
  const details = [
    stats.note,
    executed
      ? "run %: share of the package's characters inside functions a successful run executed"
      : 'run %: not measured (the coverage run failed)',
    '',
    'Biggest packages:',
    ...packages.slice(0, 10).map(describe),
    '',
    'Biggest modules:',
    ...modules.slice(0, 12).map(describe),
  ];
  return { rows, details, packages, modules, bytes, yardstickBytes };
}

/**
 * Rebuilds the bundle with `ncc --stats-out` into the scratch directory, for the module names
 * behind the numbered sections. The committed bundle stays what is measured; the note says
 * whether the rebuild came out byte for byte the same.
 */
function readBuildStats(committed) {
  const entry = join(ACTION_DIR, 'lib', 'main.js');
  const output = join(SCRATCH, 'action-rebuild');
  const statsFile = join(SCRATCH, 'action-stats.json');
  if (!existsSync(entry)) {
    return { names: new Map(), note: 'module names: unavailable (build the action first)' };
  }
  rmSync(output, { recursive: true, force: true });
  const built = spawnSync(
    'npx',
    ['--no-install', 'ncc', 'build', entry, '-o', output, '--stats-out', statsFile, '-q'],
    { cwd: ACTION_DIR, encoding: 'utf8' },
  );
  if (built.status !== 0) {
    return { names: new Map(), note: `module names: unavailable (ncc failed: ${built.stderr})` };
  }
  const names = new Map();
  for (const module of JSON.parse(readFileSync(statsFile, 'utf8')).modules ?? []) {
    names.set(String(module.id), module.name);
  }
  const same = readFileSync(join(output, 'index.js'), 'utf8') === committed;
  return {
    names,
    note: same
      ? 'the committed bundle is byte for byte what ncc builds from the current source'
      : 'NOTE: the committed bundle differs from a fresh build; names may be approximate',
  };
}

/**
 * Splits the bundle into labelled stretches. webpack starts each numbered module with
 * `/***\/ 1234:` and marks every module it inlined into another with `// CONCATENATED MODULE:`,
 * so each character belongs to the last marker above it.
 */
function splitIntoModules(source, names) {
  const sections = [];
  let label = '(webpack runtime)';
  let start = 0;
  let offset = 0;
  for (const line of source.split('\n')) {
    const numbered = /^\/\*\*\*\/ (\d+):$/.exec(line);
    const inlined = /^;?\/\/ CONCATENATED MODULE: (.+)$/.exec(line);
    const runtime = line.startsWith('/******/');
    let next;
    if (numbered) next = names.get(numbered[1]) ?? `module ${numbered[1]}`;
    else if (inlined) next = inlined[1];
    else if (runtime) next = '(webpack runtime)';
    if (next !== undefined && next !== label) {
      sections.push({ label, start, end: offset });
      label = next;
      start = offset;
    }
    offset += line.length + 1;
  }
  sections.push({ label, start, end: source.length });
  return sections.map((section) => ({
    ...section,
    bytes: Buffer.byteLength(source.slice(section.start, section.end)),
  }));
}

/** Which package a module path belongs to. */
function packageOf(label) {
  const parts = label.split('node_modules/');
  if (parts.length > 1) {
    const [scope, name] = parts[parts.length - 1].split('/');
    return scope.startsWith('@') ? `${scope}/${name}` : scope;
  }
  if (label.includes('packages/core/')) return '@provision-litellm-key/core';
  if (label.startsWith('./lib/')) return 'the action (lib/)';
  if (label.startsWith('external ')) return '(Node.js built-in stubs)';
  if (label.includes(' + ')) return '(module glue)';
  return label;
}

/**
 * Runs the committed bundle once against the mock platform with V8 coverage on, and marks each
 * character of the bundle that lies in a function the run executed (the innermost range wins).
 * Resolves with undefined when the run fails, so the size figures stand on their own.
 */
async function coverageOfSuccessfulRun(length) {
  const directory = join(SCRATCH, 'coverage');
  const workspace = join(SCRATCH, 'bundle-size');
  rmSync(directory, { recursive: true, force: true });
  mkdirSync(workspace, { recursive: true });
  const { startMockPlatform } = await importMockPlatform();
  const platform = await startMockPlatform({ tokens: [TOKEN] });
  try {
    const result = await runStep({
      entry: ACTION_BUNDLE,
      inputs: { organization: 'acme', 'api-token': TOKEN, 'api-url': platform.url },
      workspace,
      env: { NODE_V8_COVERAGE: directory },
    });
    if (!exportedKey(result)) return undefined;
  } finally {
    await platform.close();
  }

  const url = pathToFileURL(ACTION_BUNDLE).href;
  const script = readdirSync(directory)
    .flatMap((file) => JSON.parse(readFileSync(join(directory, file), 'utf8')).result)
    .find((entry) => entry.url === url);
  if (script === undefined) return undefined;

  const ranges = script.functions
    .flatMap((fn) => fn.ranges)
    .sort((a, b) => b.endOffset - b.startOffset - (a.endOffset - a.startOffset));
  const executed = new Uint8Array(length);
  for (const range of ranges) {
    executed.fill(range.count > 0 ? 1 : 0, range.startOffset, range.endOffset);
  }
  return executed;
}

/** `zod/v4/core/schemas.js` rather than the whole path through the pnpm store. */
function shortName(label) {
  const parts = label.split('node_modules/');
  return parts[parts.length - 1].replace(/^(\.\.\/)+/, '');
}

function summarise(sections, executed, keyOf) {
  const groups = new Map();
  for (const section of sections) {
    const key = keyOf(section.label);
    const group = groups.get(key) ?? { name: key, bytes: 0, characters: 0, ran: 0 };
    group.bytes += section.bytes;
    group.characters += section.end - section.start;
    if (executed) {
      for (let i = section.start; i < section.end; i += 1) group.ran += executed[i];
    }
    groups.set(key, group);
  }
  return [...groups.values()]
    .map((group) => ({
      ...group,
      runShare: executed ? group.ran / Math.max(1, group.characters) : undefined,
    }))
    .sort((a, b) => b.bytes - a.bytes);
}

function describe(group) {
  const run = group.runShare === undefined ? '' : `  run ${(group.runShare * 100).toFixed(0)}%`;
  return `${kib(group.bytes).padStart(8)} KiB${run.padEnd(10)}  ${group.name}`;
}

function kib(bytes) {
  return (bytes / 1024).toFixed(1);
}

if (isMain(import.meta.url)) {
  readFlags();
  const { rows, details } = await measureBundleSize();
  printRows('Bundle size', rows, details);
}
