import { fork } from 'node:child_process';
import { once } from 'node:events';
import { join } from 'node:path';
import { ROOT } from './report.mjs';

/**
 * Starts the mock platform in a child process on a loopback port. Resolves once it listens, with
 * its URL and a way to read how many connections and requests it has seen.
 */
export async function startPlatformProcess(options = {}) {
  const child = fork(join(ROOT, 'bench', 'platform-child.mjs'), [JSON.stringify(options)], {
    env: { PATH: process.env.PATH ?? '' },
    execArgv: [],
  });
  const [{ url }] = await once(child, 'message');

  return {
    url,
    /** @returns {Promise<{ connections: number, requests: number }>} */
    counts: async () => {
      child.send('counts');
      const [counts] = await once(child, 'message');
      return counts;
    },
    close: async () => {
      child.send('close');
      await once(child, 'exit');
    },
  };
}
