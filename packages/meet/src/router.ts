/**
 * A tiny method + path router: `/admin/v1/meetings/:meetingId/end`. Distinguishes "no such path" (404)
 * from "path exists, method does not" (405, with the allowed methods).
 */

export interface RouteMatch<R> {
  readonly route: R;
  readonly params: Readonly<Record<string, string>>;
}

export type RouterResult<R> =
  | ({ readonly kind: 'match' } & RouteMatch<R>)
  | { readonly kind: 'not_found' }
  | { readonly kind: 'method_not_allowed'; readonly allow: readonly string[] };

interface Compiled<R> {
  readonly method: string;
  readonly segments: readonly string[];
  readonly route: R;
}

export class Router<R extends { readonly method: string; readonly path: string }> {
  readonly #routes: Compiled<R>[] = [];

  constructor(routes: readonly R[]) {
    for (const route of routes) this.#routes.push({ method: route.method, segments: route.path.split('/').slice(1), route });
  }

  match(method: string, pathname: string): RouterResult<R> {
    const parts = pathname.split('/').slice(1);
    const allow: string[] = [];
    for (const c of this.#routes) {
      const params = matchSegments(c.segments, parts);
      if (!params) continue;
      if (c.method === method) return { kind: 'match', route: c.route, params };
      allow.push(c.method);
    }
    return allow.length ? { kind: 'method_not_allowed', allow } : { kind: 'not_found' };
  }
}

function matchSegments(pattern: readonly string[], parts: readonly string[]): Record<string, string> | undefined {
  if (pattern.length !== parts.length) return undefined;
  const params: Record<string, string> = {};
  for (let i = 0; i < pattern.length; i++) {
    const p = pattern[i]!;
    const part = parts[i]!;
    if (p.startsWith(':')) {
      if (part === '') return undefined;
      let value: string;
      try {
        value = decodeURIComponent(part);
      } catch {
        return undefined;
      }
      params[p.slice(1)] = value;
    } else if (p !== part) {
      return undefined;
    }
  }
  return params;
}
