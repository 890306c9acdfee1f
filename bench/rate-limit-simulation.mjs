/**
 * A simulation, not a measurement: N clients against a token bucket (the mock platform's rules:
 * refill at `rate` per second up to `burst`, a refused request told to come back when the next
 * token is due, at least 1 s), each waiting `Retry-After` plus a random spread after a 429. It
 * compares spread windows over many seeded runs in a second, where the real matrix takes ten
 * seconds per run; `node bench/rate-limited-matrix.mjs` checks the chosen one for real.
 *
 *   node bench/rate-limit-simulation.mjs
 */

/** Spread window (ms) after the k-th 429 in a row, per candidate. */
const CANDIDATES = {
  'doubling 3 s to 6 s': (k) => Math.min(6000, 3000 * 2 ** (k - 1)),
  '3 s, 6 s, then 3 s (chosen)': (k) => (k === 2 ? 6000 : 3000),
  '3 s, 6 s, then 1 s': (k) => (k === 1 ? 3000 : k === 2 ? 6000 : 1000),
  '6 s, then 3 s': (k) => (k === 1 ? 6000 : 3000),
};
const SCENARIOS = [
  { jobs: 200, rate: 20 },
  { jobs: 200, rate: 50 },
  { jobs: 400, rate: 20 },
  { jobs: 200, rate: 10 },
  { jobs: 1000, rate: 20 },
];
const SEEDS = 200;
const LATENCY_MS = 5;

function simulate(spreadAfter, { jobs, rate, seed }) {
  // A small seeded generator, so every candidate meets the same luck.
  let state = seed;
  const random = () => {
    state = (state * 1103515245 + 12345) % 2147483648;
    return state / 2147483648;
  };
  let tokens = rate;
  let refilledAt = 0;
  const retryAfterMs = (at) => {
    tokens = Math.min(rate, tokens + ((at - refilledAt) / 1000) * rate);
    refilledAt = at;
    if (tokens >= 1) {
      tokens -= 1;
      return 0;
    }
    return Math.max(1, Math.ceil((1 - tokens) / rate)) * 1000;
  };
  const pending = Array.from({ length: jobs }, () => ({ at: random() * 2, refusals: 0 }));
  let requests = 0;
  let makespan = 0;
  while (pending.length > 0) {
    pending.sort((a, b) => a.at - b.at);
    const job = pending.shift();
    requests += 1;
    const wait = retryAfterMs(job.at + LATENCY_MS / 2);
    if (wait === 0) {
      makespan = Math.max(makespan, job.at + LATENCY_MS);
      continue;
    }
    const refusals = job.refusals + 1;
    pending.push({
      at: job.at + LATENCY_MS + wait + Math.floor(random() * spreadAfter(refusals)),
      refusals,
    });
  }
  return { requests, makespan };
}

const quantile = (sorted, fraction) => sorted[Math.floor(fraction * (sorted.length - 1))];
for (const scenario of SCENARIOS) {
  const idealMs = (scenario.jobs / scenario.rate) * 1000;
  console.log(
    `\n${scenario.jobs} jobs at ${scenario.rate}/s (ideal ${idealMs / 1000} s), ${SEEDS} runs each`,
  );
  for (const [name, spreadAfter] of Object.entries(CANDIDATES)) {
    const runs = Array.from({ length: SEEDS }, (_, index) =>
      simulate(spreadAfter, { ...scenario, seed: index + 1 }),
    );
    const makespans = runs.map((run) => run.makespan / idealMs).sort((a, b) => a - b);
    const requests = runs.map((run) => run.requests / scenario.jobs).sort((a, b) => a - b);
    console.log(
      `  ${name.padEnd(28)} makespan median ${quantile(makespans, 0.5).toFixed(2)}×, worst ` +
        `${quantile(makespans, 1).toFixed(2)}× | requests per job median ${quantile(requests, 0.5).toFixed(2)}`,
    );
  }
}
