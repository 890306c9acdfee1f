import { spawn } from 'node:child_process';
import { readFileSync, writeFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { runnerEnvironment } from '../packages/action-harness/dist/index.js';
import { nowMs } from './sampling.mjs';

/**
 * Starts `node entry` the way the runner starts a JavaScript action: inputs as `INPUT_*`
 * variables and fresh file-command files in `workspace`. The environment is built from nothing,
 * so variables of the shell running the benchmark (NODE_OPTIONS, for one) change nothing.
 *
 * @param {object} step
 * @param {string} step.entry the script or bundle to run
 * @param {Record<string, string>} step.inputs inputs by name, as in a workflow's `with:` block
 * @param {string} step.workspace a directory for the file-command files
 * @param {Record<string, string>} [step.env] extra variables, e.g. NODE_V8_COVERAGE
 * @returns {Promise<{ durationMs: number, exitCode: number | null, stdout: string,
 *   stderr: string, exportedEnv: string }>} the whole process's wall time, spawn to exit
 */
export async function runStep({ entry, inputs, workspace, env: extra = {} }) {
  const files = {
    env: join(workspace, 'env'),
    output: join(workspace, 'output'),
    summary: join(workspace, 'summary'),
  };
  for (const file of Object.values(files)) writeFileSync(file, '');
  const env = runnerEnvironment(workspace, files, inputs, extra);

  const start = nowMs();
  const { exitCode, stdout, stderr } = await new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [entry], {
      cwd: dirname(entry),
      env,
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    const out = [];
    const err = [];
    child.stdout.on('data', (chunk) => out.push(chunk));
    child.stderr.on('data', (chunk) => err.push(chunk));
    child.on('error', reject);
    child.on('close', (code) =>
      resolve({
        exitCode: code,
        stdout: Buffer.concat(out).toString('utf8'),
        stderr: Buffer.concat(err).toString('utf8'),
      }),
    );
  });
  const durationMs = nowMs() - start;

  return { durationMs, exitCode, stdout, stderr, exportedEnv: readFileSync(files.env, 'utf8') };
}

/** True when a step exported the key for later steps. */
export function exportedKey(result) {
  return result.exitCode === 0 && /^LITELLM_API_KEY<</m.test(result.exportedEnv);
}
