/**
 * Cold start to exported key: the committed action bundle started with `node` as the Actions
 * runner starts it, beside two yardsticks that make the same POST to the same mock platform:
 * (a) a plain node:http script, and (b) an ncc bundle of the Actions toolkit plus node:http.
 * The whole process is timed, from spawn to exit, because that is what a workflow waits for.
 *
 *   node bench/cold-start.mjs [--quick]
 */
import { spawnSync } from 'node:child_process';
import { copyFileSync, existsSync, mkdirSync, rmSync, symlinkSync } from 'node:fs';
import { createRequire } from 'node:module';
import { join } from 'node:path';
import { exportedKey, runStep } from './action-step.mjs';
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
import { alternate, describeSamples, median, pairedRatio } from './sampling.mjs';

const GOAL = 1.1;
const TOKEN = 'bench-token';
const YARDSTICKS = join(ROOT, 'bench', 'yardsticks');

/** Measures the cold start and resolves with table rows and detail lines. */
export async function measureColdStart({ quick = false } = {}) {
  const toolkitBundle = buildToolkitYardstick();
  const { startMockPlatform } = await importMockPlatform();
  const platform = await startMockPlatform({ tokens: [TOKEN] });
  const workspace = join(SCRATCH, 'cold-start');
  mkdirSync(workspace, { recursive: true });

  try {
    const step = (entry, inputs, succeeded) => async () => {
      const result = await runStep({ entry, inputs, workspace });
      if (!succeeded(result)) {
        const output = `${result.stdout}${result.stderr}`.slice(0, 2000);
        throw new Error(`${entry} did not do its job (exit ${result.exitCode}):\n${output}`);
      }
      return result.durationMs;
    };
    const inputs = {
      organization: 'acme',
      'api-token': TOKEN,
      'api-url': platform.url,
      'client-id': 'bench-cold-start',
    };
    const printedKey = (result) => result.exitCode === 0 && result.stdout.includes('"api_key"');

    const samples = await alternate(
      {
        action: step(ACTION_BUNDLE, inputs, exportedKey),
        toolkit: step(toolkitBundle, inputs, exportedKey),
        minimal: step(join(YARDSTICKS, 'minimal-post.mjs'), inputs, printedKey),
        // Diagnostic: the same bundle stopped at its first input check, before any request, so
        // the difference to a full run is the request itself and what follows it.
        actionLoadOnly: step(ACTION_BUNDLE, {}, (result) => result.exitCode === 1),
      },
      { rounds: quick ? 8 : 30, warmup: 2 },
    );

    const versusToolkit = pairedRatio(samples.action, samples.toolkit);
    const versusMinimal = pairedRatio(samples.action, samples.minimal);
    const action = median(samples.action);
    const rows = [
      {
        benchmark: '1. Cold start to exported key',
        measured: `${action.toFixed(0)} ms`,
        yardstick: `(b) @actions/core + node:http bundle ${median(samples.toolkit).toFixed(0)} ms`,
        ratio: times(versusToolkit),
        goal: `≤ ${GOAL.toFixed(2)}×`,
        met: versusToolkit <= GOAL,
      },
      {
        benchmark: '1. Cold start (beside plain script)',
        measured: `${action.toFixed(0)} ms`,
        yardstick: `(a) node:http script ${median(samples.minimal).toFixed(0)} ms`,
        ratio: times(versusMinimal),
        goal: 'report only',
        met: undefined,
      },
    ];
    const details = [
      `action bundle:             ${describeSamples(samples.action)}`,
      `(b) toolkit yardstick:     ${describeSamples(samples.toolkit)}`,
      `(a) minimal yardstick:     ${describeSamples(samples.minimal)}`,
      `action, stopped at inputs: ${describeSamples(samples.actionLoadOnly)} ` +
        `(${times(pairedRatio(samples.actionLoadOnly, samples.toolkit))} of (b)'s full run)`,
    ];
    return { rows, details, samples };
  } finally {
    await platform.close();
  }
}

/** Built once per process; every benchmark that needs it shares the one bundle. */
let toolkitYardstick;

/**
 * Bundles yardstick (b) with ncc, as the action is bundled. `@actions/core` is taken from the
 * action's test dependencies (where it is the reference the runner toolkit is checked against)
 * through a link in the scratch directory, so nothing is added to any package.json.
 */
export function buildToolkitYardstick() {
  toolkitYardstick ??= bundleToolkitYardstick();
  return toolkitYardstick;
}

function bundleToolkitYardstick() {
  const source = join(SCRATCH, 'toolkit-yardstick');
  const output = join(SCRATCH, 'toolkit-yardstick-dist');
  rmSync(source, { recursive: true, force: true });
  rmSync(output, { recursive: true, force: true });
  mkdirSync(join(source, 'node_modules', '@actions'), { recursive: true });

  for (const file of ['actions-core-post.mjs', 'provisioning-post.mjs']) {
    copyFileSync(join(YARDSTICKS, file), join(source, file));
  }
  const fromAction = createRequire(join(ROOT, 'actions', 'provision-litellm-key', 'package.json'));
  const toolkitRoot = packageRootOf(fromAction.resolve.paths('@actions/core'), '@actions/core');
  symlinkSync(toolkitRoot, join(source, 'node_modules', '@actions', 'core'), 'dir');

  const built = spawnSync(
    'npx',
    ['--no-install', 'ncc', 'build', join(source, 'actions-core-post.mjs'), '-o', output, '-q'],
    { cwd: ROOT, encoding: 'utf8' },
  );
  if (built.status !== 0) {
    throw new Error(`ncc could not build the toolkit yardstick:\n${built.stderr}${built.stdout}`);
  }
  return join(output, 'index.mjs');
}

/** The first `node_modules` on the search path that holds the package. */
function packageRootOf(searchPaths, name) {
  for (const directory of searchPaths ?? []) {
    const candidate = join(directory, name);
    if (existsSync(join(candidate, 'package.json'))) return candidate;
  }
  throw new Error(`${name} is not installed for the action; run pnpm install`);
}

if (isMain(import.meta.url)) {
  const { rows, details } = await measureColdStart(readFlags());
  printRows('Cold start to exported key', rows, details);
}
