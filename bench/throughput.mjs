/**
 * Core throughput: 2,000 sequential `provisionKey` calls through one `createClient` client, beside
 * a minimal keep-alive node:http loop sending the same 2,000 requests. The mock platform runs in
 * a child process, so this process's CPU time is the client's alone.
 *
 *   node bench/throughput.mjs [--quick]
 */
import { Agent, request } from 'node:http';
import { startPlatformProcess } from './platform-process.mjs';
import { importCore, isMain, printRows, readFlags, times } from './report.mjs';
import { alternate, describeSamples, median, nowMs, pairedRatio, timed } from './sampling.mjs';

const GOAL = 1.25;
const CALLS = 2_000;
const TOKEN = 'bench-token';
const ORGANIZATION = 'acme';
const CLIENT_ID = 'bench-throughput';
/** Calls at each end of the loop whose pace is compared, to show a cost that grows per call. */
const EDGE = 200;

/** Measures throughput and resolves with table rows and detail lines. */
export async function measureThroughput({ quick = false } = {}) {
  const { createClient } = await importCore();
  const platform = await startPlatformProcess({ tokens: [TOKEN] });
  const connectionsPerClient = [];
  const cpu = { product: [], yardstick: [] };
  const pace = { early: [], late: [] };

  // Each contender's wall time for the whole loop; its own CPU time and the connections the
  // server accepted meanwhile are kept beside it.
  const measured = (name, loop) => async () => {
    const before = await platform.counts();
    const cpuBefore = process.cpuUsage();
    const duration = await loop();
    const used = process.cpuUsage(cpuBefore);
    cpu[name].push((used.user + used.system) / 1000);
    const after = await platform.counts();
    if (after.requests - before.requests !== CALLS) {
      throw new Error(`${name}: the platform saw ${after.requests - before.requests} requests`);
    }
    if (name === 'product') connectionsPerClient.push(after.connections - before.connections);
    return duration;
  };

  try {
    const samples = await alternate(
      {
        product: measured('product', () => productLoop(createClient, platform.url, pace)),
        yardstick: measured('yardstick', () => yardstickLoop(platform.url)),
      },
      { rounds: quick ? 3 : 9, warmup: 1 },
    );

    const ratio = pairedRatio(samples.product, samples.yardstick);
    const perCall = (values) => (median(values) / CALLS) * 1000;
    const perEdge = (values) => ((median(values) / EDGE) * 1000).toFixed(0);
    const connections = Math.max(...connectionsPerClient);
    const rows = [
      {
        benchmark: `3. Core throughput, ${CALLS} sequential calls`,
        measured: `${perCall(samples.product).toFixed(0)} µs/call`,
        yardstick: `keep-alive node:http loop ${perCall(samples.yardstick).toFixed(0)} µs/call`,
        ratio: times(ratio),
        goal: `≤ ${GOAL.toFixed(2)}×`,
        met: ratio <= GOAL,
      },
      {
        benchmark: '3. Connections per client (server count)',
        measured: `${connections}`,
        yardstick: '–',
        ratio: `${connections}`,
        goal: '1',
        met: connections === 1,
      },
    ];
    const details = [
      `createClient loop:   ${describeSamples(samples.product)} for ${CALLS} calls`,
      `node:http loop:      ${describeSamples(samples.yardstick)} for ${CALLS} calls`,
      `client CPU per call: product ${perCall(cpu.product).toFixed(0)} µs, ` +
        `yardstick ${perCall(cpu.yardstick).toFixed(0)} µs ` +
        `(${times(pairedRatio(cpu.product, cpu.yardstick))})`,
      `createClient pace: first ${EDGE} calls ${perEdge(pace.early)} µs/call, ` +
        `last ${EDGE} calls ${perEdge(pace.late)} µs/call`,
      `connections the server accepted per createClient loop: ${connectionsPerClient.join(', ')}`,
    ];
    return { rows, details, samples };
  } finally {
    await platform.close();
  }
}

/** Also records how long the first and the last {@link EDGE} calls took. */
async function productLoop(createClient, apiUrl, pace) {
  const client = createClient({ token: TOKEN, apiUrl });
  try {
    return await timed(async () => {
      let edgeStart = nowMs();
      for (let call = 0; call < CALLS; call += 1) {
        if (call === CALLS - EDGE) edgeStart = nowMs();
        const key = await client.provisionKey({ organization: ORGANIZATION, clientId: CLIENT_ID });
        if (!key.apiKey) throw new Error('no key');
        if (call === EDGE - 1) pace.early.push(nowMs() - edgeStart);
      }
      pace.late.push(nowMs() - edgeStart);
    });
  } finally {
    client.close();
  }
}

/** The same requests with nothing but node:http and one keep-alive agent. */
async function yardstickLoop(apiUrl) {
  const agent = new Agent({ keepAlive: true });
  const url = new URL(`${apiUrl}/api/v1/org/${ORGANIZATION}/inference/keys`);
  const body = JSON.stringify({ client_id: CLIENT_ID });
  const headers = {
    Accept: 'application/json',
    'Content-Type': 'application/json',
    'Content-Length': String(Buffer.byteLength(body)),
    Authorization: `Bearer ${TOKEN}`,
  };
  const post = () =>
    new Promise((resolve, reject) => {
      const outgoing = request(url, { method: 'POST', agent, headers });
      outgoing.on('error', reject);
      outgoing.on('response', (response) => {
        const chunks = [];
        response.on('data', (chunk) => chunks.push(chunk));
        response.on('error', reject);
        response.on('end', () => resolve(JSON.parse(Buffer.concat(chunks).toString('utf8'))));
      });
      outgoing.end(body);
    });

  try {
    return await timed(async () => {
      for (let call = 0; call < CALLS; call += 1) {
        const answer = await post();
        if (!answer.api_key) throw new Error('no key');
      }
    });
  } finally {
    agent.destroy();
  }
}

if (isMain(import.meta.url)) {
  const { rows, details } = await measureThroughput(readFlags());
  printRows('Core throughput', rows, details);
}
