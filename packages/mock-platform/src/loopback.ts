import { isIPv4 } from 'node:net';

/**
 * Whether a host names this machine only: `localhost`, `::1`, or an address in 127.0.0.0/8.
 * The mock hands out working keys to anyone who can reach it, so it must never listen beyond
 * the loopback interface.
 */
export function isLoopbackHost(host: string): boolean {
  const bare = host.replace(/^\[(.*)\]$/, '$1').toLowerCase();
  if (bare === 'localhost' || bare === '::1' || bare === '0:0:0:0:0:0:0:1') {
    return true;
  }
  return isIPv4(bare) && bare.startsWith('127.');
}
