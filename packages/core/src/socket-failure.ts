import { CertificateError, ConnectionError, ProvisionError } from './errors.js';

const UNTRUSTED_CERTIFICATE = /CERT|SELF_SIGNED|TLS|SSL|^EPROTO$/;

const REASONS: Record<string, string> = {
  ECONNREFUSED: 'connection refused',
  ECONNRESET: 'connection reset',
  ENOTFOUND: 'host name not found',
  EAI_AGAIN: 'host name lookup failed',
  ETIMEDOUT: 'connection timed out',
  EHOSTUNREACH: 'host unreachable',
  ENETUNREACH: 'network unreachable',
  EPIPE: 'connection closed while sending',
};

/** Who a failed connection was meant for, in the user's terms. */
export interface FailedPeer {
  /** e.g. `the platform at host:443`, `the proxy at 10.0.0.1:3128 (HTTPS_PROXY)`. */
  subject: string;
  /** Whose certificate a TLS failure is about: `host:443`, or the proxy. */
  tlsSubject: string;
  /** What to do about a TLS failure, when the advice for the platform's certificate does not fit. */
  tlsHint?: string | undefined;
  /** What to do, when the general advice for a connection failure does not fit. */
  hint?: string | undefined;
}

/** Names a low-level socket, TLS or HTTP-parser failure in the user's terms. */
export function socketFailure(error: unknown, peer: FailedPeer): ProvisionError {
  if (error instanceof ProvisionError) return error;
  const code = (error as { code?: unknown } | undefined)?.code;
  const systemCode = typeof code === 'string' ? code : undefined;
  if (systemCode && UNTRUSTED_CERTIFICATE.test(systemCode)) {
    return new CertificateError(
      `TLS connection to ${peer.tlsSubject} failed (${systemCode})`,
      systemCode,
      { cause: error, hint: peer.tlsHint },
    );
  }
  // Node's HTTP parser reports an answer it cannot read (a header value with a control
  // character, a service that does not speak HTTP) as HPE_*; the connection itself was fine.
  const unparsable = systemCode?.startsWith('HPE_')
    ? `the answer is not valid HTTP (${systemCode})`
    : undefined;
  const reason =
    (systemCode && REASONS[systemCode]) ?? unparsable ?? 'connection closed before a full answer';
  return new ConnectionError(`Could not reach ${peer.subject}: ${reason}`, systemCode, {
    cause: error,
    hint: peer.hint,
  });
}
