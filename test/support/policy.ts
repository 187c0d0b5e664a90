import { resolve } from 'node:path';
import type { DecisionSettings } from '@elava/policy';
import { PolicyPool, readCompiled } from '@elava/policy';
import type { AnyResource } from '@elava/types';

/** The defaults of `policies.*`: notify mode, severity_actions critical→alert, warning→notify, info→audit. */
export const DEFAULT_DECISIONS: DecisionSettings = {
  mode: 'notify',
  severityActions: { critical: 'alert', warning: 'notify', info: 'audit' },
  remediateTags: false,
  protectBlessed: false,
  autoTag: false,
};

/** The library as the build compiled it, in two threads, with `data` as data.* */
export async function libraryPool(data: unknown = {}): Promise<PolicyPool> {
  const { problems, ...library } = readCompiled(resolve(import.meta.dirname, '../../policies'));
  if (problems.length > 0) throw new Error(problems.join('\n'));
  return PolicyPool.start(library, data, 2);
}

/** Security group sg-<n> of `account` in us-east-1; `open` lets SSH in from anywhere (a finding). */
export function securityGroup(account: string, n: number, open: boolean): AnyResource {
  return {
    id: `aws:${account}:us-east-1:ec2.security_group:sg-${n}`,
    provider: 'aws',
    account,
    region: 'us-east-1',
    type: 'ec2.security_group',
    native_id: `sg-${n}`,
    name: `g${n}`,
    tags: { Name: `g${n}` },
    attributes: {
      group_name: `g${n}`,
      description: 'd',
      rules: open ? [{ direction: 'ingress', protocol: 'tcp', from_port: 22, to_port: 22, source: '0.0.0.0/0' }] : [],
    },
  } as unknown as AnyResource;
}
