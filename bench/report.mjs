import { existsSync, realpathSync } from 'node:fs';
import { cpus, release, type } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';

/** The repository root, so that every script works from any working directory. */
export const ROOT = join(dirname(fileURLToPath(import.meta.url)), '..');

/** Where generated files go; ignored by git through the `.bench-tmp/` pattern. */
export const SCRATCH = join(ROOT, 'bench', '.bench-tmp');

/** The committed action bundle, run as the Actions runner runs it. */
export const ACTION_BUNDLE = join(ROOT, 'actions', 'provision-litellm-key', 'dist', 'index.js');

const CORE_ENTRY = join(ROOT, 'packages', 'core', 'dist', 'index.js');
const MOCK_ENTRY = join(ROOT, 'packages', 'mock-platform', 'dist', 'index.js');

/** Reads the command-line flags every benchmark script accepts. */
export function readFlags(argv = process.argv.slice(2)) {
  return { quick: argv.includes('--quick') };
}

/** True when the module at `moduleUrl` is the script node was started with. */
export function isMain(moduleUrl) {
  const started = process.argv[1];
  return started !== undefined && moduleUrl === pathToFileURL(realpathSync(started)).href;
}

/** Imports the compiled core package, or explains which build is missing. */
export function importCore() {
  return importBuilt(CORE_ENTRY);
}

/** Imports the compiled mock platform, or explains which build is missing. */
export function importMockPlatform() {
  return importBuilt(MOCK_ENTRY);
}

function importBuilt(entry) {
  if (!existsSync(entry)) {
    throw new Error(`${entry} is missing; run \`npx turbo run build\` at the repository root`);
  }
  return import(pathToFileURL(entry).href);
}

/** What the figures came from; absolute numbers mean little without it. */
export function describeMachine() {
  const processors = cpus();
  return {
    cpu: processors[0]?.model.trim() ?? 'unknown',
    cores: processors.length,
    node: process.version,
    os: `${type()} ${release()}`,
    date: new Date().toISOString().slice(0, 10),
  };
}

/**
 * One line of the summary table.
 * @typedef {object} Row
 * @property {string} benchmark what was measured
 * @property {string} measured the product's figure
 * @property {string} yardstick what it is compared with, and that figure
 * @property {string} ratio product ÷ yardstick, or the count that the goal is about
 * @property {string} goal
 * @property {boolean | undefined} met undefined when there is no goal or nothing to judge
 */

const COLUMNS = [
  ['benchmark', 'Benchmark'],
  ['measured', 'Product'],
  ['yardstick', 'Yardstick'],
  ['ratio', 'Ratio / count'],
  ['goal', 'Goal'],
  ['verdict', 'Met'],
];

/** Renders rows as a Markdown table, which also reads well in a terminal. */
export function formatTable(rows) {
  const cells = rows.map((row) => ({ ...row, verdict: verdictOf(row.met) }));
  const widths = COLUMNS.map(([key, title]) =>
    Math.max(title.length, ...cells.map((row) => String(row[key]).length)),
  );
  const line = (values) => `| ${values.map((value, i) => value.padEnd(widths[i])).join(' | ')} |`;
  return [
    line(COLUMNS.map(([, title]) => title)),
    `|${widths.map((width) => '-'.repeat(width + 2)).join('|')}|`,
    ...cells.map((row) => line(COLUMNS.map(([key]) => String(row[key])))),
  ].join('\n');
}

function verdictOf(met) {
  if (met === undefined) return '–';
  return met ? 'yes' : 'NO';
}

/** Prints a script's own rows when it is run alone. */
export function printRows(title, rows, details = []) {
  console.log(`\n${title}\n`);
  for (const detail of details) console.log(`  ${detail}`);
  if (details.length > 0) console.log('');
  console.log(formatTable(rows));
}

/** `1.234×` */
export function times(ratio) {
  return Number.isFinite(ratio) ? `${ratio.toFixed(2)}×` : 'n/a';
}
