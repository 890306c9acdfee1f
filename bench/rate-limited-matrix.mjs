/**
 * A matrix of 200 jobs against a rate limit: 200 clients start at once, each with its own client
 * id, against a platform that grants 20 keys a second (burst 20). The clients use the settings a
 * user gets by default (4 attempts, a 60 s deadline) and the real clock.
 *
 * Beside the product's own retry timing runs a "lockstep" matrix: the same clients with a clock
 * whose random() is always 0, so every client waits exactly what Retry-After says. It shows what
 * the jitter buys.
 *
 *   node bench/rate-limited-matrix.mjs [--quick]
 */
import { importCore, importMockPlatform, isMain, printRows, readFlags, times } from './report.mjs';
import { nowMs } from './sampling.mjs';

const JOBS = 200;
const RATE = { perSecond: 20, burst: 20 };
const IDEAL_MS = (JOBS / RATE.perSecond) * 1000;
const GOALS = { makespan: 1.3, requests: 3.5 };
const TOKEN = 'bench-token';

/** Runs the matrix and resolves with table rows and detail lines. */
export async function measureRateLimitedMatrix({ quick = false } = {}) {
  const core = await importCore();
  const { startMockPlatform } = await importMockPlatform();
  const runs = { jittered: [], lockstep: [] };

  // Alternating, as elsewhere; each matrix takes ten seconds or more, so there are few rounds.
  for (let round = 0; round < (quick ? 1 : 3); round += 1) {
    runs.jittered.push(await runMatrix(core, startMockPlatform, {}));
    runs.lockstep.push(await runMatrix(core, startMockPlatform, { random: () => 0 }));
  }

  // The worst run is reported, not the median: a matrix that loses one job in three runs has a
  // problem the median would hide.
  const summary = (name) => {
    const list = runs[name];
    return {
      succeeded: Math.min(...list.map((run) => run.succeeded)),
      makespan: Math.max(...list.map((run) => run.makespanMs)),
      requests: Math.max(...list.map((run) => run.requests)),
      failures: list.flatMap((run) => run.failures),
    };
  };
  const jittered = summary('jittered');
  const lockstep = summary('lockstep');
  const makespanRatio = jittered.makespan / IDEAL_MS;
  const requestRatio = jittered.requests / JOBS;

  const rows = [
    {
      benchmark: `4. Matrix of ${JOBS} jobs at 20/s: succeeded`,
      measured: `${jittered.succeeded} of ${JOBS}`,
      yardstick: `lockstep: ${lockstep.succeeded} of ${JOBS}`,
      ratio: `${jittered.succeeded}`,
      goal: `${JOBS}`,
      met: jittered.succeeded === JOBS,
    },
    {
      benchmark: '4. Matrix: makespan',
      measured: `${(jittered.makespan / 1000).toFixed(1)} s${gaveUp(jittered)}`,
      yardstick: `ideal ${IDEAL_MS / 1000} s; lockstep ${(lockstep.makespan / 1000).toFixed(1)} s`,
      ratio: times(makespanRatio),
      goal: `≤ ${GOALS.makespan.toFixed(2)}×`,
      // Jobs that give up end the matrix early; that is no success, so both must hold.
      met: makespanRatio <= GOALS.makespan && jittered.succeeded === JOBS,
    },
    {
      benchmark: '4. Matrix: requests',
      measured: `${jittered.requests}`,
      yardstick: `${JOBS} jobs; lockstep ${lockstep.requests}`,
      ratio: times(requestRatio),
      goal: `≤ ${GOALS.requests.toFixed(2)}×`,
      met: requestRatio <= GOALS.requests,
    },
  ];
  const describeRun = (run) =>
    `${run.succeeded} ok, ${(run.makespanMs / 1000).toFixed(1)} s, ${run.requests} requests, ` +
    `last success at ${(run.lastSuccessMs / 1000).toFixed(1)} s`;
  const details = [
    'Settings: default maxAttempts (4) and deadline (60 s), real clock, one client per job.',
    'Makespan: from the moment all jobs start until the last one has its key or has given up.',
    ...runs.jittered.map((run, i) => `jittered run ${i + 1}: ${describeRun(run)}`),
    ...runs.lockstep.map((run, i) => `lockstep run ${i + 1}: ${describeRun(run)}`),
    `why jobs failed (jittered, all runs): ${countReasons(jittered.failures)}`,
    `why jobs failed (lockstep, all runs): ${countReasons(lockstep.failures)}`,
  ];
  return { rows, details, runs };
}

async function runMatrix(core, startMockPlatform, clock) {
  const platform = await startMockPlatform({ tokens: [TOKEN], rateLimit: RATE });
  const clients = Array.from({ length: JOBS }, () =>
    core.createClient({ token: TOKEN, apiUrl: platform.url, clock }),
  );
  const failures = [];
  let lastSuccessMs = 0;

  const start = nowMs();
  const outcomes = await Promise.all(
    clients.map((client, leg) =>
      client.provisionKey({ organization: 'acme', clientId: `matrix-leg-${leg}` }).then(
        () => {
          lastSuccessMs = Math.max(lastSuccessMs, nowMs() - start);
          return true;
        },
        (error) => {
          failures.push(`${error.name} after ${error.attempts ?? '?'} attempts`);
          return false;
        },
      ),
    ),
  );
  const makespanMs = nowMs() - start;

  for (const client of clients) client.close();
  const requests = platform.requests.length;
  await platform.close();
  return {
    succeeded: outcomes.filter(Boolean).length,
    makespanMs,
    lastSuccessMs,
    requests,
    failures,
  };
}

function gaveUp(summary) {
  const failed = JOBS - summary.succeeded;
  return failed > 0 ? ` (${failed} gave up)` : '';
}

function countReasons(failures) {
  if (failures.length === 0) return 'none';
  const counts = new Map();
  for (const reason of failures) counts.set(reason, (counts.get(reason) ?? 0) + 1);
  return [...counts].map(([reason, count]) => `${count}× ${reason}`).join(', ');
}

if (isMain(import.meta.url)) {
  const { rows, details } = await measureRateLimitedMatrix(readFlags());
  printRows('Matrix of jobs against a rate limit', rows, details);
}
