import type { IncomingHttpHeaders } from 'node:http';

/**
 * Which tokens the platform accepts and which organizations each may provision keys for.
 */
export class AccessPolicy {
  private readonly organizations: Set<string>;
  /** `undefined` as a value means the token may use every known organization. */
  private readonly grants = new Map<string, Set<string> | undefined>();

  constructor(tokens: Record<string, string[]> | string[] | undefined, organizations?: string[]) {
    const granted = tokens ?? { 'test-token': ['acme'] };

    if (Array.isArray(granted)) {
      for (const token of granted) {
        this.grants.set(token, undefined);
      }
      this.organizations = new Set(organizations ?? ['acme']);
      return;
    }

    const named = new Set<string>();
    for (const [token, orgs] of Object.entries(granted)) {
      this.grants.set(token, new Set(orgs));
      for (const org of orgs) {
        named.add(org);
      }
    }
    this.organizations = new Set(organizations ?? (named.size > 0 ? named : ['acme']));
  }

  /**
   * The known token a request presents, as `Authorization: Bearer` or `X-API-Key`, if any.
   * Both forms are accepted because the API reference documents one and the SDK sends the other.
   */
  authenticate(headers: IncomingHttpHeaders): string | undefined {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(headers.authorization ?? '')?.[1];
    const apiKey = headers['x-api-key'];
    const candidates = [bearer, typeof apiKey === 'string' ? apiKey.trim() : undefined];
    return candidates.find((token) => token !== undefined && this.grants.has(token));
  }

  /** Whether the organization exists at all. */
  knows(organization: string): boolean {
    return this.organizations.has(organization);
  }

  /** Whether an authenticated token may provision keys for a known organization. */
  allows(token: string, organization: string): boolean {
    const orgs = this.grants.get(token);
    return orgs === undefined || orgs.has(organization);
  }
}
