/** Sent in front of the core package's own User-Agent, so the platform can tell the action apart. */
export const ACTION_USER_AGENT = 'provision-litellm-key-action/1.0.0';
