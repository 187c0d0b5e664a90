import { describe, expect, it } from 'vitest';
import { ConfigError } from './errors.js';
import { parseConfig } from './load.js';

const parse = (yaml: string) => parseConfig(`version: "2.0"\n${yaml}`, '/x/elava.yaml', {});
function refused(yaml: string): Record<string, string> {
  try {
    parse(yaml);
  } catch (err) {
    expect(err).toBeInstanceOf(ConfigError);
    return Object.fromEntries((err as ConfigError).problems.map((p) => [p.path, p.message]));
  }
  throw new Error('the configuration was accepted');
}

describe('accounts from AWS Organizations (issue 18)', () => {
  it('accounts: organization discovers with the defaults', () => {
    const c = parse('accounts: organization\n');
    expect(c.accounts).toEqual([]);
    expect(c.organization).toEqual({
      role_name: 'OrganizationAccountAccessRole',
      exclude: [],
      include_ous: [],
      refresh_interval: 15 * 60_000,
    });
  });

  it('the organization block alone turns discovery on, with its own settings', () => {
    const c = parse(`organization:
  role_name: security/elava-reader
  executor_role_name: elava-executor
  external_id: "\${EXT:-}"
  exclude: ["210987654321", ou-ab12-cdefgh34]
  include_ous: [ou-ab12-11111111, r-ab12]
  refresh_interval: 5m
`);
    expect(c.accounts).toEqual([]);
    expect(c.organization).toMatchObject({
      role_name: 'security/elava-reader',
      executor_role_name: 'elava-executor',
      exclude: ['210987654321', 'ou-ab12-cdefgh34'],
      include_ous: ['ou-ab12-11111111', 'r-ab12'],
      refresh_interval: 300_000,
    });
    expect(c.organization?.external_id).toBeUndefined();
  });

  it('keeps the list form, with no discovery', () => {
    const c = parse('accounts:\n  - id: "123456789012"\n    role_arn: arn:aws:iam::123456789012:role/r\n');
    expect(c.accounts.map((a) => a.id)).toEqual(['123456789012']);
    expect(c.organization).toBeUndefined();
    expect(parse('region: us-east-1\n').organization).toBeUndefined();
  });

  it('refuses bad values, naming the key path', () => {
    expect(refused('accounts: organisation\n').accounts).toMatch(/list of accounts or the word organization/);
    expect(refused('accounts:\n  - id: 123456789012\n')['accounts[0].id']).toContain('write it in quotes');
    const e = refused(`organization:
  role_name: arn:aws:iam::123456789012:role/x
  exclude: [123456789012, prod]
  include_ous: [ou-1]
  refresh_interval: often
  roles: x
`);
    expect(e['organization.role_name']).toMatch(/IAM role name .* not an ARN/);
    expect(e['organization.exclude[0]']).toContain('write it in quotes');
    expect(e['organization.exclude[1]']).toContain('organizational unit id');
    expect(e['organization.include_ous[0]']).toContain('organizational unit id');
    expect(e['organization.refresh_interval']).toContain('a duration');
    expect(e['organization.roles']).toBe('unknown key');
  });

  it('refuses a hand-made list next to discovery', () => {
    expect(refused('accounts:\n  - id: "123456789012"\norganization: { role_name: r }\n').organization).toMatch(
      /keep one/,
    );
  });
});
