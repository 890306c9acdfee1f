import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse } from 'yaml';
import { INPUT_DEFAULTS, INPUT_NAMES } from '../src/inputs.js';
import { OUTPUT_NAMES } from '../src/publish.js';

interface Manifest {
  name: string;
  description: string;
  author: string;
  branding: { icon: string; color: string };
  inputs: Record<string, { description: string; required?: boolean; default?: string }>;
  outputs: Record<string, { description: string }>;
  runs: { using: string; main: string };
}

const readManifest = (path: string): Manifest =>
  parse(readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8'));

const actionManifest = readManifest('../action.yml');
const rootManifest = readManifest('../../../action.yml');
const readme = readFileSync(fileURLToPath(new URL('../../../README.md', import.meta.url)), 'utf8');
const sources = ['../src/inputs.ts', '../src/publish.ts', '../src/run.ts']
  .map((path) => readFileSync(fileURLToPath(new URL(path, import.meta.url)), 'utf8'))
  .join('\n');

describe('action.yml', () => {
  it('declares exactly the inputs the code reads', () => {
    expect(Object.keys(actionManifest.inputs).sort()).toEqual([...INPUT_NAMES].sort());
  });

  it('declares the same defaults the code applies', () => {
    for (const name of INPUT_NAMES) {
      expect({ name, default: actionManifest.inputs[name]?.default ?? '' }).toEqual({
        name,
        default: INPUT_DEFAULTS[name] ?? '',
      });
    }
  });

  it('marks only organization and api-token as required', () => {
    const required = Object.entries(actionManifest.inputs)
      .filter(([, input]) => input.required)
      .map(([name]) => name);
    expect(required).toEqual(['organization', 'api-token']);
  });

  it('declares exactly the outputs the code sets', () => {
    expect(Object.keys(actionManifest.outputs)).toEqual([...OUTPUT_NAMES]);
    const set = [...sources.matchAll(/setOutput\('([a-z-]+)'/g)].map(([, name]) => name);
    expect(set).toEqual([...OUTPUT_NAMES]);
  });

  it('describes every input and output', () => {
    for (const entry of [
      ...Object.values(actionManifest.inputs),
      ...Object.values(actionManifest.outputs),
    ]) {
      expect(entry.description.length).toBeGreaterThan(10);
    }
  });

  it('runs the committed bundle on node24 and has what the Marketplace requires', () => {
    expect(actionManifest.runs).toEqual({ using: 'node24', main: 'dist/index.js' });
    expect(actionManifest.name).toBeTruthy();
    expect(actionManifest.description).toBeTruthy();
    expect(actionManifest.author).toBeTruthy();
    expect(actionManifest.branding).toEqual({
      icon: expect.any(String),
      color: expect.any(String),
    });
  });

  it('is the same at the repository root, pointing at the same bundle', () => {
    expect(rootManifest).toEqual({
      ...actionManifest,
      runs: { using: 'node24', main: 'actions/provision-litellm-key/dist/index.js' },
    });
  });
});

/** The rows of the README table that follows a heading, as [first cell, second cell]. */
function readmeTable(heading: string): [string, string][] {
  const section = readme.split(`## ${heading}\n`)[1]?.split('\n## ')[0] ?? '';
  return [...section.matchAll(/^\| `([a-z-]+)` \| ([^|]+) \|/gm)].map(
    ([, name = '', second = '']) => [name, second.trim()],
  );
}

describe('the README', () => {
  it('lists every input with the default action.yml declares', () => {
    const documented = readmeTable('Inputs').map(([name, cell]) => [
      name,
      cell === '(required)' || cell === 'derived' ? '' : cell.replace(/^`|`$/g, ''),
    ]);
    const declared = Object.entries(actionManifest.inputs).map(([name, input]) => [
      name,
      input.default ?? '',
    ]);
    expect(documented).toEqual(declared);
  });

  it('marks required inputs as required', () => {
    const required = readmeTable('Inputs')
      .filter(([, cell]) => cell === '(required)')
      .map(([name]) => name);
    expect(required).toEqual(['organization', 'api-token']);
  });

  it('lists every output', () => {
    expect(readmeTable('Outputs').map(([name]) => name)).toEqual(
      Object.keys(actionManifest.outputs),
    );
  });
});
