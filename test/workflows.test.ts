import { spawnSync } from 'node:child_process';
import { mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';

const root = fileURLToPath(new URL('..', import.meta.url));
const workflowsDir = join(root, '.github', 'workflows');
const workflowFiles = readdirSync(workflowsDir)
  .filter((name) => /\.ya?ml$/.test(name))
  .sort();
const validatorCli = join(
  dirname(createRequire(import.meta.url).resolve('@action-validator/cli/package.json')),
  'cli.mjs',
);

/** Runs action-validator on a file; it treats `action.yml` as an action, anything else as a workflow. */
function validate(path: string) {
  const result = spawnSync(process.execPath, [validatorCli, path], { encoding: 'utf8' });
  return { exitCode: result.status, errors: `${result.stdout}${result.stderr}`.trim() };
}

interface Step {
  uses?: string;
}
interface Job {
  uses?: string;
  steps?: Step[];
  permissions?: unknown;
}
interface Workflow {
  permissions?: unknown;
  jobs: Record<string, Job>;
}

const readWorkflow = (name: string): Workflow =>
  parse(readFileSync(join(workflowsDir, name), 'utf8'));

/** Every `uses:` line of a workflow file, with the comment that follows it. */
function usesLines(name: string): { ref: string; comment: string }[] {
  return [...readFileSync(join(workflowsDir, name), 'utf8').matchAll(/^\s*-?\s*uses:\s*(.*)$/gm)]
    .map(([, rest = '']) => rest.match(/^(['"]?)([^'"\s#]+)\1\s*(?:#\s*(.*))?$/))
    .map((match) => ({ ref: match?.[2] ?? '', comment: match?.[3]?.trim() ?? '' }));
}

describe('the workflow files', () => {
  it('include the CI and release workflows', () => {
    expect(workflowFiles).toEqual(expect.arrayContaining(['ci.yml', 'release.yml']));
  });

  it.each(workflowFiles)('%s passes action-validator', (name) => {
    expect(validate(join(workflowsDir, name))).toEqual({ exitCode: 0, errors: '' });
  });

  it.each(workflowFiles)('%s pins every action to a full commit SHA, with its version', (name) => {
    const unpinned = usesLines(name).filter(
      ({ ref, comment }) =>
        !ref.startsWith('./') &&
        !(/^[\w.-]+\/[\w./-]+@[0-9a-f]{40}$/.test(ref) && /^v\d+\.\d+\.\d+$/.test(comment)),
    );
    expect(unpinned).toEqual([]);
  });

  it.each(workflowFiles)('%s grants only read access unless a job asks for more', (name) => {
    const workflow = readWorkflow(name);
    expect(workflow.permissions).toEqual({ contents: 'read' });
    for (const job of Object.values(workflow.jobs)) {
      // A job widens access scope by scope, never with read-all or write-all.
      expect(typeof (job.permissions ?? {})).toBe('object');
    }
  });

  it('pin each action to one commit everywhere', () => {
    const shasByAction = new Map<string, Set<string>>();
    for (const { ref } of workflowFiles.flatMap(usesLines)) {
      const [action = '', sha = ''] = ref.split('@');
      if (ref.startsWith('./')) continue;
      shasByAction.set(action, (shasByAction.get(action) ?? new Set()).add(sha));
    }
    const inconsistent = [...shasByAction].filter(([, shas]) => shas.size > 1);
    expect(inconsistent).toEqual([]);
  });

  it('run the action from this repository in the self-test', () => {
    const ci = readWorkflow('ci.yml');
    const steps = Object.values(ci.jobs).flatMap((job) => job.steps ?? []);
    expect(steps.map((step) => step.uses)).toContain('./');
  });
});

describe('the action manifest', () => {
  it('passes action-validator, apart from the node24 runtime its schema does not know yet', () => {
    const scratch = mkdtempSync(join(tmpdir(), 'action-manifest-'));
    try {
      const manifest = readFileSync(join(root, 'action.yml'), 'utf8');
      expect(manifest).toMatch(/^ {2}using: node24$/m);
      const copy = join(scratch, 'action.yml');
      writeFileSync(copy, manifest.replace(/^ {2}using: node24$/m, '  using: node20'));

      expect(validate(copy)).toEqual({ exitCode: 0, errors: '' });
    } finally {
      rmSync(scratch, { recursive: true, force: true });
    }
  });
});

describe('.github/dependabot.yml', () => {
  // action-validator only knows actions and workflows, so the few rules that matter are here.
  const config = parse(readFileSync(join(root, '.github', 'dependabot.yml'), 'utf8')) as {
    version: number;
    updates: {
      'package-ecosystem': string;
      directory: string;
      schedule: { interval: string };
    }[];
  };

  it('is version 2 and updates npm packages and GitHub Actions from the root', () => {
    expect(config.version).toBe(2);
    expect(
      config.updates.map((update) => [update['package-ecosystem'], update.directory]).sort(),
    ).toEqual([
      ['github-actions', '/'],
      ['npm', '/'],
    ]);
  });

  it('gives every update a schedule Dependabot accepts', () => {
    for (const update of config.updates) {
      expect(['daily', 'weekly', 'monthly']).toContain(update.schedule.interval);
    }
  });
});
