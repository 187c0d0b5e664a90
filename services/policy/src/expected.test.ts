import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { describe, expect, it } from 'vitest';
import { readExpected } from './expected.js';

const file = (text: string) => {
  const p = join(mkdtempSync(join(tmpdir(), 'elava-expected-')), 'expected.yaml');
  writeFileSync(p, text);
  return p;
};

describe('readExpected', () => {
  it('reads entries per type with defaults', () => {
    expect(readExpected(file('ec2.instance:\n  - name: web\n    match: { role: web }\n    count: 3\n'))).toEqual({
      'ec2.instance': [{ name: 'web', match: { role: 'web' }, count: 3, tags: {} }],
    });
  });

  it('names the file, the key path and the problem', () => {
    expect(() => readExpected(file('ec2.banana: []\n'))).toThrow(/expected\.yaml:\n {2}- ec2\.banana: /);
    expect(() => readExpected(file('ec2.instance:\n  - name: web\n    count: lots\n'))).toThrow(
      /ec2\.instance\.0\.count: /,
    );
    expect(() => readExpected(file('ec2.instance: [\n'))).toThrow(/expected inventory .*expected\.yaml: /);
    expect(() => readExpected('/nonexistent/expected.yaml')).toThrow(/ENOENT/);
    expect(() => readExpected(file('ec2.instance:\n  - name: web\n    count: 1\n    accounts: ["42"]\n'))).toThrow(
      /ec2\.instance\.0\.accounts\.0: an account id is 12 digits/,
    );
  });
});
