import { signedPost } from './eventbridge.js';

/**
 * CloudFormation on moto, for the docs/events templates: CreateStack and DescribeStacks over the
 * query protocol, signed (the project carries no CloudFormation client). moto builds the SQS
 * queues, EventBridge buses, rules and policies a template declares.
 */
export async function deployStack(
  endpoint: string,
  o: { region: string; name: string; template: string; parameters: Record<string, string> },
): Promise<Record<string, string>> {
  const call = async (params: Record<string, string>) => {
    const body = new URLSearchParams({ Version: '2010-05-15', ...params }).toString();
    const { status, text } = await signedPost(endpoint, {
      service: 'cloudformation',
      region: o.region,
      headers: { 'content-type': 'application/x-www-form-urlencoded; charset=utf-8' },
      body,
    });
    if (status >= 300) throw new Error(`CloudFormation ${params.Action} answered ${status}: ${text.slice(0, 500)}`);
    return text;
  };
  const params: Record<string, string> = {
    Action: 'CreateStack',
    StackName: o.name,
    TemplateBody: o.template,
    'Capabilities.member.1': 'CAPABILITY_IAM',
  };
  for (const [i, [k, v]] of Object.entries(o.parameters).entries()) {
    params[`Parameters.member.${i + 1}.ParameterKey`] = k;
    params[`Parameters.member.${i + 1}.ParameterValue`] = v;
  }
  await call(params);
  const deadline = Date.now() + 30_000;
  for (;;) {
    const xml = await call({ Action: 'DescribeStacks', StackName: o.name });
    const status = /<StackStatus>([^<]+)<\/StackStatus>/.exec(xml)?.[1];
    if (status === 'CREATE_COMPLETE') {
      const outputs: Record<string, string> = {};
      const block = /<Outputs>([\s\S]*?)<\/Outputs>/.exec(xml)?.[1] ?? '';
      for (const member of block.split('<member>').slice(1)) {
        const key = /<OutputKey>([^<]+)<\/OutputKey>/.exec(member)?.[1];
        const value = /<OutputValue>([^<]*)<\/OutputValue>/.exec(member)?.[1];
        if (key && value !== undefined) outputs[key] = unescapeXml(value);
      }
      return outputs;
    }
    if (status && !status.endsWith('IN_PROGRESS'))
      throw new Error(`stack ${o.name}: ${status} ${/<StackStatusReason>([^<]+)/.exec(xml)?.[1] ?? ''}`);
    if (Date.now() > deadline) throw new Error(`stack ${o.name} still ${status}`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

const unescapeXml = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&apos;/g, "'")
    .replace(/&amp;/g, '&');
