import { existsSync, mkdirSync, mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { analysePackage } from '@elava/policies/dispatch';
import { afterAll, describe, expect, it } from 'vitest';

const TOOL = resolve(import.meta.dirname, '../../../.elava/tools/bin/opa');
const OPA = process.env.ELAVA_OPA ?? (existsSync(TOOL) ? TOOL : 'opa');
const dir = mkdtempSync(join(tmpdir(), 'elava-analyse-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

function analyse(name: string, body: string, rules = ['deny', 'warn', 'info']) {
  mkdirSync(join(dir, name));
  writeFileSync(join(dir, name, `${name}.rego`), `package elava.${name}\n\nimport rego.v1\n\n${body}\n`);
  return analysePackage(OPA, join(dir, name), rules);
}

describe('what a rule can match, read from its Rego (policies/dispatch.mjs)', () => {
  it('restricts by the conditions every definition puts on the type, and on a change', () => {
    const { guards, time } = analyse(
      'typed',
      `r := input.resource
a := object.get(r, "attributes", {})
kinds := {"b", "c"}
table := {"d": "x"}
deny contains "1" if { r.type == "a" }
deny contains "2" if { r.type in kinds }
deny contains "3" if { f := table[r.type]; a[f] }
warn contains "4" if { some k in helper; k }
helper contains 1 if input.resource.type == "e"
info contains "5" if { input.change.type == "modified"; "f" == input.resource.type }`,
    );
    expect(guards).toEqual({
      deny: { types: ['a', 'b', 'c', 'd'], change: false },
      warn: { types: ['e'], change: false },
      info: { types: ['f'], change: true },
    });
    expect(time).toBe(false);
  });

  it('takes a package that reads input whole, or at a computed key, as one that may read now', () => {
    expect(analyse('whole', 'warn contains "1" if object.get(input, "now", "") != ""').time).toBe(true);
    expect(analyse('computed', 'k := "now"\nwarn contains "1" if input[k]').time).toBe(true);
    expect(analyse('keyed', 'warn contains "1" if input.resource.tags.now').time).toBe(false);
  });

  it('leaves a rule unrestricted when any definition is not, or the reader cannot tell', () => {
    const { guards, time } = analyse(
      'loose',
      `deny contains "1" if { input.resource.type == "a" }
deny contains "2" if { object.get(input.resource, "type", "") == "b" }
warn contains "3" if { not input.resource.type == "a" }
default helper := true
helper if input.resource.type == "a"
info contains "4" if { helper; input.now }
info contains "5" if { count([x | x := input.change.diff[_]]) == 0 }`,
    );
    expect(guards).toEqual({
      deny: { types: null, change: false },
      warn: { types: null, change: false },
      info: { types: null, change: false },
    });
    expect(time).toBe(true);
  });
});
