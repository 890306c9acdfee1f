// Yardstick (b): an action that loads only the Actions toolkit, makes the same POST, and hands
// the key on the way the product does (mask, environment, outputs). Bundled with ncc at bench
// time, as the product is, so both pay the same price for parsing one large file.
import * as core from '@actions/core';
import { postForKey } from './provisioning-post.mjs';

try {
  const key = JSON.parse(await postForKey());
  core.setSecret(key.api_key);
  core.exportVariable('LITELLM_API_KEY', key.api_key);
  core.exportVariable('LITELLM_BASE_URL', key.base_url);
  core.setOutput('api-key', key.api_key);
  core.setOutput('base-url', key.base_url);
  core.setOutput('expires-at', key.expires_at);
  core.info(`Provisioned a key that expires ${key.expires_at}.`);
} catch (error) {
  core.setFailed(String(error));
}
