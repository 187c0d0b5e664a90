import { type Decision, nativeIdOf, type Severity } from '@elava/types';

/** The body of a Slack-compatible incoming webhook post. */
export interface SlackMessage {
  channel?: string;
  text: string;
}

const MARK: Record<Severity, string> = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  info: ':large_blue_circle:',
};
const DIGEST_LINES = 10;

function line(d: Decision): string {
  const where = `${d.resource.type} ${nativeIdOf(d.resource.id) ?? d.resource.id} (${d.resource.account}/${d.resource.region})`;
  return `${MARK[d.severity]} *${d.action}* ${where}: ${d.reason}`;
}

export function single(d: Decision, channel?: string): SlackMessage {
  const suggestion = typeof d.metadata.suggestion === 'string' ? `\n> ${d.metadata.suggestion}` : '';
  const policy = d.policy ? ` · ${d.policy.package}/${d.policy.rule}` : '';
  return {
    ...(channel ? { channel } : {}),
    text: `${line(d)}${suggestion}\n_decision ${d.id} · revision ${d.revision}${policy}_`,
  };
}

/** Many decisions at once (a first scan, a mass change) become one message. */
export function digest(ds: Decision[], channel?: string): SlackMessage {
  const bySeverity = new Map<string, number>();
  for (const d of ds) bySeverity.set(d.severity, (bySeverity.get(d.severity) ?? 0) + 1);
  const counts = [...bySeverity].map(([s, n]) => `${n} ${s}`).join(', ');
  const shown = ds.slice(0, DIGEST_LINES).map(line);
  const more = ds.length > DIGEST_LINES ? [`…and ${ds.length - DIGEST_LINES} more (elava decisions --since 1h)`] : [];
  return {
    ...(channel ? { channel } : {}),
    text: [`*Elava: ${ds.length} decisions* (${counts})`, ...shown, ...more].join('\n'),
  };
}
