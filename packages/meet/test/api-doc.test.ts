import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_DOC_PATH, renderApiDoc } from '../scripts/gen-api-doc.ts';
import { adminRoutes } from '../src/admin-routes.ts';
import { interopRoutes } from '../src/interop-routes.ts';

describe('API.md', () => {
  it('is what the route table and schemas render (run npx tsx packages/meet/scripts/gen-api-doc.ts)', () => {
    expect(readFileSync(API_DOC_PATH, 'utf8') === renderApiDoc(), 'packages/meet/API.md is stale: run npx tsx packages/meet/scripts/gen-api-doc.ts').toBe(true);
  });

  it('documents every route, every body field and every error code a route declares', () => {
    const doc = renderApiDoc();
    for (const route of [...interopRoutes(), ...adminRoutes()]) {
      expect(doc).toContain(`### ${route.method} \`${route.path}\``);
      for (const code of route.doc.errors) expect(doc).toContain(`\`${code}\``);
    }
    for (const field of ['`meetingId`', '`sdpOffer`', '`interop.scope.orgUnits`', '`users[].email`', '`onKnock.afterMs`', '`onKnock.kind`']) {
      expect(doc).toContain(field);
    }
  });
});
