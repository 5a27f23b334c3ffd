// Who may use the admin pages (bull-board, SPEC §11): whoever presents the admin key (LTV_ADMIN_KEY_SHA256,
// as the on-demand run routes): `Authorization: Bearer <key>` or `X-Admin-Key` for scripts, and for a
// browser a session cookie obtained once from a sign-in form. The key never travels in a URL (it would
// end up in logs and history) and never sits in the browser: the cookie holds a random session token,
// HttpOnly (no script reads it) and SameSite=Strict (no other site's page can send it along).
//
// Sessions live in this process's memory: a restart or a key rotation (which restarts the server) signs
// everyone out, and behind several `ltv serve` replicas a browser signs in on each (or the balancer keeps
// it on one). Tokens are kept as SHA-256 digests, compared by lookup of the digest.
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import type { IncomingMessage } from 'node:http';

export const SESSION_COOKIE = 'ltv_admin';
const MAX_SESSIONS = 1000;

function sha256(text: string): Buffer {
  return createHash('sha256').update(text).digest();
}

export class AdminAuth {
  /** By the SHA-256 of its token: when the session ends, and the SHA-256 of the key it signed in with. */
  private readonly sessions = new Map<string, { expires: number; key: Buffer }>();

  constructor(
    private readonly keySha256: string | undefined,
    private readonly ttlMs = 12 * 3_600_000,
    private readonly now: () => number = Date.now,
  ) {}

  /** Constant-time comparison of the key's SHA-256 digest with the configured one. */
  validKey(key: string): boolean {
    if (!this.keySha256) return false;
    return timingSafeEqual(sha256(key), Buffer.from(this.keySha256, 'hex'));
  }

  /**
   * How the request authenticated: by header (scripts), by session cookie (browsers), or not at all. With
   * `keyStillValid`, a session whose key is no longer valid (revoked since it signed in) is ended: it went on
   * for its 12 hours after `ltv keys remove`.
   */
  check(req: IncomingMessage, keyStillValid?: (keySha256: Buffer) => boolean): 'header' | 'cookie' | null {
    const bearer = /^Bearer\s+(\S+)\s*$/i.exec(req.headers.authorization ?? '')?.[1];
    const header = req.headers['x-admin-key'];
    const key = bearer ?? (typeof header === 'string' ? header : undefined);
    if (key !== undefined) return this.validKey(key) ? 'header' : null;
    const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (token === null) return null;
    const digest = sha256(token).toString('hex');
    const session = this.sessions.get(digest);
    if (session === undefined) return null;
    if (session.expires <= this.now() || (keyStillValid && !keyStillValid(session.key))) {
      this.sessions.delete(digest);
      return null;
    }
    return 'cookie';
  }

  /** A new session token for a valid key, else null. */
  signIn(key: string): string | null {
    if (!this.validKey(key)) return null;
    const now = this.now();
    for (const [d, s] of this.sessions) if (s.expires <= now) this.sessions.delete(d);
    // Oldest first (insertion order): a flood of sign-ins cannot grow memory without bound.
    while (this.sessions.size >= MAX_SESSIONS) this.sessions.delete(this.sessions.keys().next().value as string);
    const token = randomBytes(32).toString('base64url');
    this.sessions.set(sha256(token).toString('hex'), { expires: now + this.ttlMs, key: sha256(key) });
    return token;
  }

  signOut(req: IncomingMessage): void {
    const token = cookieValue(req.headers.cookie, SESSION_COOKIE);
    if (token !== null) this.sessions.delete(sha256(token).toString('hex'));
  }

  /** Set-Cookie for a session; `Secure` when the request came over TLS (directly or per the proxy). */
  sessionCookie(token: string, path: string, req: IncomingMessage): string {
    return `${SESSION_COOKIE}=${token}; Path=${path}; Max-Age=${Math.floor(this.ttlMs / 1000)}; HttpOnly; SameSite=Strict${secure(req) ? '; Secure' : ''}`;
  }

  clearCookie(path: string, req: IncomingMessage): string {
    return `${SESSION_COOKIE}=; Path=${path}; Max-Age=0; HttpOnly; SameSite=Strict${secure(req) ? '; Secure' : ''}`;
  }
}

function secure(req: IncomingMessage): boolean {
  return (req.socket as { encrypted?: boolean }).encrypted === true || req.headers['x-forwarded-proto'] === 'https';
}

export function cookieValue(header: string | undefined, name: string): string | null {
  if (!header) return null;
  for (const part of header.split(';')) {
    const eq = part.indexOf('=');
    if (eq > 0 && part.slice(0, eq).trim() === name) return part.slice(eq + 1).trim();
  }
  return null;
}
