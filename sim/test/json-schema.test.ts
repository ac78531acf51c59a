import { readdirSync, readFileSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { parse as parseYaml } from 'yaml';
import { parseScenario, renderScenarioJsonSchema, SCENARIO_SCHEMA_FILE, validateAgainst } from '../src/index.ts';

/** scenario.schema.json is generated from the schema objects; it must match them and accept every fixture. */
const SCENARIOS = fileURLToPath(new URL('../../fixtures/scenarios/', import.meta.url));
const schemaPath = fileURLToPath(SCENARIO_SCHEMA_FILE);

function yamlFiles(dir: string): string[] {
  return readdirSync(dir).flatMap((f) => {
    const p = join(dir, f);
    return statSync(p).isDirectory() ? yamlFiles(p) : f.endsWith('.yaml') ? [p] : [];
  });
}

const fixtures = yamlFiles(SCENARIOS);
const schema = JSON.parse(readFileSync(schemaPath, 'utf8')) as Record<string, unknown>;

describe('scenario.schema.json', () => {
  it('is the generated one (run `npx tsx sim/scripts/gen-json-schema.ts` after changing the scenario schema)', () => {
    expect(readFileSync(schemaPath, 'utf8')).toBe(renderScenarioJsonSchema());
    expect(schema.$schema).toBe('https://json-schema.org/draft/2020-12/schema');
  });

  it('describes the fields editors complete, with what each allows', () => {
    const props = schema.properties as Record<string, Record<string, unknown>>;
    expect(Object.keys(props)).toEqual(['name', 'description', 'seed', 'timers', 'topology', 'endpoints', 'calls', 'load', 'thresholds', 'report']);
    expect(schema.required).toEqual(['name', 'topology', 'endpoints']);
    const call = (props.calls!.items as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(call.expect!.enum).toContain('VIDEO_LOCKED');
    expect(call.expect!.enum).toContain('DNS_FAILURE');
    const endpoint = (props.endpoints!.items as { properties: Record<string, Record<string, unknown>> }).properties;
    expect(endpoint.transport!.enum).toEqual(['udp', 'tcp', 'tls']);
    expect(endpoint.persona!.enum).toEqual(['vtc', 'sipjs']);
    expect((endpoint.media!.properties as Record<string, Record<string, unknown>>).audio!.enum).toEqual(['pcmu', 'opus']);
    const node = ((props.topology!.properties as Record<string, { items: { properties: Record<string, Record<string, unknown>> } }>).nodes!.items.properties);
    expect(node.bridge).toMatchObject({ type: 'boolean', description: expect.stringContaining('WebRTC') });
    const stages = ((props.load!.properties as Record<string, { items: { oneOf: Array<{ properties: { kind: { const: string } } }> } }>).stages!.items.oneOf).map((v) => v.properties.kind.const);
    expect(stages).toEqual(['constant', 'ramp', 'poisson']);
    const meeting = ((props.topology!.properties as Record<string, { items: { properties: Record<string, unknown>; required: string[] } }>).meetings!.items);
    expect(Object.keys(meeting.properties)).toEqual(expect.arrayContaining(['label', 'ended', 'organizer', 'meetingId', 'videoLock', 'onKnock']));
    expect(meeting.required).toEqual(['label', 'organizer']);
  });

  it.each(fixtures.map((f) => relative(SCENARIOS, f)))('fixture %s validates against it and points editors at it', (name) => {
    const file = join(SCENARIOS, name);
    const text = readFileSync(file, 'utf8');
    expect(validateAgainst(schema, parseYaml(text))).toEqual([]);
    expect(() => parseScenario(text, file)).not.toThrow();
    const ref = text.split('\n')[0]!.match(/^# yaml-language-server: \$schema=(\S+)$/)?.[1];
    expect(ref).toBeDefined();
    expect(resolve(dirname(file), ref!)).toBe(schemaPath);
  });

  it('the check can fail: an unknown field, a wrong type and a bad enum value are each reported with their path', () => {
    const text = readFileSync(join(SCENARIOS, 'default.yaml'), 'utf8');
    const doc = parseYaml(text) as { topology: { nodes: Array<Record<string, unknown>> }; calls: Array<Record<string, unknown>>; load: { stages: Array<Record<string, unknown>> } };
    doc.topology.nodes[0]!.sipport = 5060;
    doc.calls[0]!.holdMs = 'long';
    doc.calls[1]!.expect = 'JOINED';
    doc.load.stages[0]!.kind = 'burst';
    const paths = validateAgainst(schema, doc).map((v) => v.path);
    expect(paths).toEqual(expect.arrayContaining(['topology.nodes[0].sipport', 'calls[0].holdMs', 'calls[1].expect', 'load.stages[0]']));
  });
});
