import { describe, expect, it } from 'vitest';
import { Router } from '../src/router.ts';

describe('Router', () => {
  const router = new Router([
    { method: 'GET', path: '/a/:id' },
    { method: 'DELETE', path: '/a/:id' },
    { method: 'GET', path: '/a/:id/events' },
  ]);

  it('matches and decodes parameters', () => {
    expect(router.match('GET', '/a/x%40y')).toMatchObject({ kind: 'match', params: { id: 'x@y' }, route: { method: 'GET' } });
    expect(router.match('GET', '/a/1/events')).toMatchObject({ kind: 'match', params: { id: '1' } });
  });

  it('tells 404 from 405 and lists the allowed methods', () => {
    expect(router.match('POST', '/a/1')).toEqual({ kind: 'method_not_allowed', allow: ['GET', 'DELETE'] });
    expect(router.match('GET', '/a/')).toEqual({ kind: 'not_found' });
    expect(router.match('GET', '/a/%E0%A4%A')).toEqual({ kind: 'not_found' });
    expect(router.match('GET', '/b/1')).toEqual({ kind: 'not_found' });
  });
});
