/** What `--help` prints: every flag and every environment variable the tool reads. */
export const USAGE = `Usage:
  provision-litellm-key [flags]                  print the key for a shell, dotenv, JSON or GitHub
  provision-litellm-key [flags] -- COMMAND ...   run COMMAND with the key in its environment

Mints a short-lived LiteLLM virtual key from the platform. Without a command it prints the
variables on stdout; with one it adds them to that command's environment only, and exits with
the command's exit code. Messages go to stderr; stdout carries only the requested output.

Flags:
  --org, --organization SLUG  organization to provision for (env DREADNODE_ORGANIZATION)
  --api-url URL               platform URL: origin, or ending in /api or /api/v1
                              (env DREADNODE_SERVER_URL or DREADNODE_SERVER;
                              default https://platform.dreadnode.io)
  --auth-header NAME          authorization (Authorization: Bearer, default) or x-api-key
  --client-id ID              client id for the key (default: derived from the CI run, or random)
  --min-ttl-seconds N         fail unless the key stays valid this long (0-86400, default 60)
  --timeout-seconds N         time limit for provisioning, retries included
                              (1-3600, default 60)
  --max-attempts N            attempts at most for failures (1-20, default 4; 1: no retry);
                              rate limits are waited out within the time limit
  --allow-insecure-http       permit plain http to hosts other than loopback
  --format FORMAT             shell (default): export lines, safe to eval
                              dotenv: NAME=value lines
                              json: {"apiKey", "baseUrl", "expiresAt", "clientId"}
                              github: mask the token and key, append to $GITHUB_ENV
  --openai                    also set OPENAI_API_KEY and OPENAI_BASE_URL
  --token-stdin               read the platform API token from stdin
                              (on a terminal: paste it, then press Ctrl-D)
  --debug                     log every attempt, and stack traces on failure
  -h, --help                  show this help
  --version                   print the version

The token is never accepted as a flag: ps and shell history would show it.

Environment:
  DREADNODE_API_TOKEN, DREADNODE_API_KEY     platform API token (first one set wins)
  DREADNODE_SERVER_URL, DREADNODE_SERVER     platform URL (first one set wins)
  DREADNODE_ORGANIZATION                     organization slug
  GITHUB_ENV                                 file --format github appends to
  HTTPS_PROXY, NO_PROXY                      proxy for reaching the platform

Variables handed over:
  LITELLM_API_KEY, LITELLM_BASE_URL          always
  OPENAI_API_KEY, OPENAI_BASE_URL            with --openai

Exit codes:
  0  the key was provisioned     1  the platform refused or failed, or the handover did
  2  a flag or input is invalid, or GITHUB_ENV is unusable (nothing was sent)
  otherwise, with a command: the command's exit code
`;
