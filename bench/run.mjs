/**
 * Every benchmark, one after another, against the mock platform on loopback; prints one table.
 * Each script also runs alone: `node bench/<name>.mjs [--quick]`.
 *
 *   node bench/run.mjs [--quick]
 */
import { measureBundleSize } from './bundle-size.mjs';
import { measureColdStart } from './cold-start.mjs';
import { measureKeyProvider } from './key-provider.mjs';
import { measureRateLimitedMatrix } from './rate-limited-matrix.mjs';
import { describeMachine, formatTable, readFlags } from './report.mjs';
import { measureThroughput } from './throughput.mjs';

const flags = readFlags();
const benchmarks = [
  ['Cold start to exported key', measureColdStart],
  ['Bundle size', measureBundleSize],
  ['Core throughput', measureThroughput],
  ['Matrix of jobs against a rate limit', measureRateLimitedMatrix],
  ['Key provider under concurrency', measureKeyProvider],
];

const machine = describeMachine();
console.log(
  `Machine: ${machine.cpu}, ${machine.cores} cores, Node.js ${machine.node}, ${machine.os}, ` +
    `${machine.date}${flags.quick ? ' (--quick: fewer rounds)' : ''}`,
);

const rows = [];
for (const [title, measure] of benchmarks) {
  console.error(`\n${title}…`);
  const result = await measure(flags);
  for (const detail of result.details) console.error(`  ${detail}`);
  rows.push(...result.rows);
}

console.log(`\n${formatTable(rows)}`);
