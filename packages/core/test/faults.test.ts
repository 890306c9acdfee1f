import { inspect } from 'node:util';
import { afterEach, describe, expect, it } from 'vitest';
import { formatFailure, ProvisionError, provisionKey, type TimeoutError } from '../src/index.js';
import { faultScenarios } from './fixtures/fault-scenarios.js';
import { serveFault } from './fixtures/fault-server.js';
import { closeAllServers, virtualWaitClock } from './fixtures/loopback.js';
import { API_KEY, TOKEN } from './fixtures/platform.js';

afterEach(() => closeAllServers());

/** Turns a scenario's message, where `…` stands for varying text, into an exact pattern. */
function messagePattern(message: string): RegExp {
  const parts = message.split('…').map((part) => part.replace(/[.*+?^${}()|[\]\\]/g, '\\$&'));
  return new RegExp(`^${parts.join('.+?')}$`);
}

describe.each(faultScenarios)('$fault', (scenario) => {
  async function provisionAgainstFault() {
    const served = await serveFault(scenario.server);
    const { clock, waits } = virtualWaitClock();
    const error = await provisionKey({
      token: TOKEN,
      apiUrl: served.apiUrl,
      organization: 'acme',
      clientId: 'job-1',
      timeoutMs: 2_000,
      deadlineMs: 10_000,
      maxAttempts: 2,
      ...scenario.options,
      clock,
    }).then(
      () => undefined,
      (caught: unknown) => caught,
    );
    return { served, error, waits };
  }

  it(`fails with ${scenario.errorClass} and the documented message`, async () => {
    const { error } = await provisionAgainstFault();

    expect(error).toBeInstanceOf(ProvisionError);
    const failure = error as ProvisionError;
    expect(failure.name).toBe(scenario.errorClass);
    if (scenario.scope) expect((failure as TimeoutError).scope).toBe(scenario.scope);
    expect(failure.message).toMatch(messagePattern(scenario.message));
  });

  it(scenario.retried ? 'tries again' : 'does not try again', async () => {
    const { served, error, waits } = await provisionAgainstFault();

    const { attempts } = error as ProvisionError;
    if (scenario.retried) expect(attempts).toBeGreaterThan(1);
    else expect(attempts).toBe(1);
    expect(waits).toHaveLength(attempts - 1);
    // Where a server listens, it saw exactly the attempts the error reports.
    const requests = served.requests();
    if (requests !== undefined) expect(requests).toBe(attempts);
  });

  it('never shows the token or the key, however the error is printed', async () => {
    const { served, error } = await provisionAgainstFault();

    const views = [
      inspect(error, { depth: Number.POSITIVE_INFINITY, showHidden: true }),
      JSON.stringify(error),
      (error as Error).message,
      (error as Error).stack ?? '',
      formatFailure(error),
    ];
    for (const view of views) {
      expect(view).not.toContain(TOKEN);
      expect(view).not.toContain(API_KEY);
    }
    for (const seen of served.tokensSeen()) expect(seen).toBe(TOKEN);
  });
});
