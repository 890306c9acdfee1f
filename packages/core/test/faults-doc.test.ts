import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { faultScenarios, renderFaultTable } from './fixtures/fault-scenarios.js';

const faultsDoc = readFileSync(new URL('../FAULTS.md', import.meta.url), 'utf8');

describe('FAULTS.md', () => {
  it('has exactly the table the fault scenarios render, row for row', () => {
    const tableRows = faultsDoc.split('\n').filter((line) => line.startsWith('|'));

    // On failure, the expected side is the table to paste into FAULTS.md.
    expect(tableRows.join('\n'), 'FAULTS.md is out of date').toBe(
      renderFaultTable(faultScenarios).join('\n'),
    );
  });

  it('describes each fault only once, so no row can hide another', () => {
    const faults = faultScenarios.map((scenario) => scenario.fault);

    expect(new Set(faults).size).toBe(faults.length);
  });
});
