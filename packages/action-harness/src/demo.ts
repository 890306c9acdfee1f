#!/usr/bin/env node
import { randomBytes } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { startMockPlatform } from '@provision-litellm-key/mock-platform';
import { runAction } from './runner.js';

const BUNDLE = fileURLToPath(
  new URL('../../../actions/provision-litellm-key/dist/index.js', import.meta.url),
);

/**
 * The demo: the committed, bundled action mints a key as it would on a runner, then "the next
 * step" uses the exported variables to call the gateway. Against the embedded mock platform by
 * default; with --api-url, --org and DREADNODE_API_TOKEN, against a real platform.
 */
async function demo(argv: string[]): Promise<number> {
  const { values } = parseArgs({
    args: argv,
    options: {
      'api-url': { type: 'string' },
      org: { type: 'string' },
      help: { type: 'boolean' },
    },
  });
  if (values.help) {
    say('Usage: demo [--api-url URL --org SLUG]   (token from DREADNODE_API_TOKEN)');
    return 0;
  }

  const real = values['api-url'] !== undefined;
  const token = real
    ? (process.env.DREADNODE_API_TOKEN ?? '')
    : `demo-${randomBytes(12).toString('hex')}`;
  const organization = values.org ?? 'acme';
  if (real && (token === '' || values.org === undefined)) {
    say('A real platform needs --org and the DREADNODE_API_TOKEN environment variable.');
    return 2;
  }

  const mock = real ? undefined : await startMockPlatform({ tokens: { [token]: [organization] } });
  try {
    const apiUrl = values['api-url'] ?? mock?.url ?? '';
    say(
      mock
        ? `▸ Mock platform listening on ${apiUrl} (organization ${organization})`
        : `▸ Using the platform at ${apiUrl} (organization ${organization})`,
    );
    say('▸ Running actions/provision-litellm-key/dist/index.js the way the Actions runner does');

    const step = await runAction({
      entry: BUNDLE,
      inputs: { organization, 'api-token': token, 'api-url': apiUrl },
    });
    const hide = (text: string) =>
      [token, ...step.masked].reduce(
        (hidden, secret) => (secret ? hidden.split(secret).join('***') : hidden),
        text,
      );
    // Shown as a runner shows a step's log: commands are consumed, and an error is shown as an
    // annotation, its text unescaped.
    const log = (step.stdout + step.stderr).trimEnd().split('\n');
    for (const line of log) {
      const error = /^::error::(.*)$/.exec(line);
      if (error) say(`  │ Error: ${hide(unescapeCommandData(error[1] ?? ''))}`);
      else if (!line.startsWith('::')) say(`  │ ${hide(line)}`);
    }
    const masks = step.masked.length;
    say(
      `  │ (the step asked the runner to mask ${masks} ${masks === 1 ? 'value' : 'values'}: ` +
        `${masks === 1 ? 'the token' : 'the token and the key'})`,
    );
    if (step.exitCode !== 0) {
      say(`✘ The step failed (exit code ${step.exitCode}); nothing was exported.`);
      return 1;
    }

    const apiKey = step.exported.LITELLM_API_KEY ?? '';
    const baseUrl = step.exported.LITELLM_BASE_URL ?? '';
    say(`▸ Exported to later steps: LITELLM_API_KEY=*** LITELLM_BASE_URL=${baseUrl}`);
    say(
      `▸ Outputs: expires-at=${step.outputs['expires-at']} client-id=${step.outputs['client-id']}`,
    );

    say('▸ Next step: a program reads LITELLM_API_KEY and LITELLM_BASE_URL and calls the gateway');
    const headers = { Authorization: `Bearer ${apiKey}`, 'Content-Type': 'application/json' };
    const models = await fetch(`${baseUrl}/v1/models`, { headers });
    const model = ((await models.json()) as { data?: { id: string }[] }).data?.[0]?.id;
    say(
      `  → GET ${baseUrl}/v1/models  (Authorization: Bearer ***)  ← ${models.status}, first model ${model}`,
    );
    const question = 'Say hello to the CI pipeline.';
    const chat = await fetch(`${baseUrl}/chat/completions`, {
      method: 'POST',
      headers,
      body: JSON.stringify({ model, messages: [{ role: 'user', content: question }] }),
    });
    const reply = (await chat.json()) as { choices?: { message?: { content?: string } }[] };
    say(`  → POST ${baseUrl}/chat/completions  user: "${question}"`);
    say(`  ← ${chat.status} assistant: "${hide(reply.choices?.[0]?.message?.content ?? '')}"`);
    if (!chat.ok) return 1;

    say('✔ The key was minted, masked, exported and used by the next step.');
    return 0;
  } finally {
    await mock?.close();
  }
}

function say(line: string): void {
  process.stdout.write(`${line}\n`);
}

process.exitCode = await demo(process.argv.slice(2)).catch((error: unknown) => {
  say(`✘ Demo failed: ${error instanceof Error ? error.message : String(error)}`);
  return 1;
});

/** A workflow command's message as the runner shows it. */
function unescapeCommandData(text: string): string {
  return text.replaceAll('%0D', '\r').replaceAll('%0A', '\n').replaceAll('%25', '%');
}
