import { request } from 'node:http';

/**
 * The provisioning POST with nothing around it: the same URL, headers and body the action sends,
 * read from the same `INPUT_*` variables, so the yardsticks and the action are started alike.
 * No retries, no validation, no proxy support: it is the floor the product is compared with.
 */
export function postForKey(env = process.env) {
  const apiUrl = env['INPUT_API-URL'];
  const organization = env.INPUT_ORGANIZATION;
  const body = JSON.stringify({ client_id: env['INPUT_CLIENT-ID'] });
  const url = new URL(`${apiUrl}/api/v1/org/${encodeURIComponent(organization)}/inference/keys`);

  return new Promise((resolve, reject) => {
    const outgoing = request(url, {
      method: 'POST',
      headers: {
        Accept: 'application/json',
        'Content-Type': 'application/json',
        'Content-Length': Buffer.byteLength(body),
        Authorization: `Bearer ${env['INPUT_API-TOKEN']}`,
      },
    });
    outgoing.on('error', reject);
    outgoing.on('response', (response) => {
      const chunks = [];
      response.on('data', (chunk) => chunks.push(chunk));
      response.on('error', reject);
      response.on('end', () => {
        const text = Buffer.concat(chunks).toString('utf8');
        if (response.statusCode !== 200) reject(new Error(`HTTP ${response.statusCode}: ${text}`));
        else resolve(text);
      });
    });
    outgoing.end(body);
  });
}
