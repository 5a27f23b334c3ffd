// A tiny router: routes are templates of literal segments and `:params`, matched against the raw
// (still percent-encoded) path segment by segment, so an encoded `/` can never create or remove a
// segment. Parameters are percent-decoded once, after matching.
import type { ErrorFamily } from './HttpError.js';
import type { Route } from './Route.js';

export interface CompiledRoute {
  route: Route;
  segments: readonly string[];
}

function segmentsOf(path: string): string[] {
  // One trailing slash is not significant: Adapty's path has one, Zenovay's has none; clients vary.
  const trimmed = path.length > 1 && path.endsWith('/') ? path.slice(0, -1) : path;
  return trimmed.split('/');
}

export function compileRoutes(routes: readonly Route[]): CompiledRoute[] {
  return routes.map((route) => ({ route, segments: segmentsOf(route.path) }));
}

export type Match =
  /**
   * `badEscape`: a parameter that is not valid percent-encoding (`demo%zzapp`): the route's, answered 400 in
   * its family once the request passed what every request of the route passes first (the key, the rate limit).
   */
  | { kind: 'route'; route: Route; params: Record<string, string>; rawParams: Record<string, string>; badEscape?: { name: string; raw: string } }
  /**
   * The path exists for other methods: exactly those (HEAD with GET), in one order whatever was asked;
   * `path`, the first such route's template (what the request is counted under in the metrics).
   */
  | { kind: 'method'; allow: string[]; family: ErrorFamily; path: string }
  | { kind: 'none' };

const METHOD_ORDER = ['GET', 'HEAD', 'POST'];

export function matchRoute(compiled: readonly CompiledRoute[], method: string, rawPath: string): Match {
  const parts = segmentsOf(rawPath);
  const allow = new Set<string>();
  let family: ErrorFamily = 'zenovay';
  let template = '';
  for (const c of compiled) {
    if (c.segments.length !== parts.length) continue;
    const params: Record<string, string> = {};
    const rawParams: Record<string, string> = {};
    let ok = true;
    let badEscape: { name: string; raw: string } | null = null;
    for (let i = 0; i < parts.length && ok; i++) {
      const want = c.segments[i] as string;
      const got = parts[i] as string;
      if (want.startsWith(':')) {
        try {
          params[want.slice(1)] = decodeURIComponent(got);
          rawParams[want.slice(1)] = got;
        } catch {
          badEscape ??= { name: want.slice(1), raw: got }; // malformed percent-encoding: this route's, a bad request
        }
        ok &&= got !== '';
      } else {
        ok = want === got;
      }
    }
    if (!ok) continue;
    const m = method === 'HEAD' ? 'GET' : method;
    if (c.route.method === m) return { kind: 'route', route: c.route, params, rawParams, ...(badEscape ? { badEscape } : {}) };
    if (allow.size === 0) {
      family = c.route.family;
      template = c.route.path;
    }
    allow.add(c.route.method);
    if (c.route.method === 'GET') allow.add('HEAD');
  }
  return allow.size > 0 ? { kind: 'method', allow: METHOD_ORDER.filter((m) => allow.has(m)), family, path: template } : { kind: 'none' };
}
