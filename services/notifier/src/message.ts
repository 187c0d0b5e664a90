import { type Actor, actorLabel, type Decision, nativeIdOf, SEVERITIES, type Severity } from '@elava/types';

/** Block Kit blocks the notifier writes (a subset of Slack's). */
export type SlackBlock =
  | { type: 'header'; text: { type: 'plain_text'; text: string; emoji: boolean } }
  | { type: 'section'; text: { type: 'mrkdwn'; text: string } }
  | { type: 'context'; elements: { type: 'mrkdwn'; text: string }[] }
  | { type: 'divider' };

/**
 * The body of a Slack-compatible incoming webhook post: Block Kit `blocks`, and `text`, the plain
 * fallback Slack shows in notifications (and the whole message where blocks are not rendered).
 */
export interface SlackMessage {
  channel?: string;
  text: string;
  blocks?: SlackBlock[];
}

/** One post and the decisions it carries (each decision's outcome is its post's). */
export interface Post {
  message: SlackMessage;
  decisions: Decision[];
}

/** Slack's limits: blocks per message, characters per section/context text, per header. */
export const LIMITS = { blocks: 50, text: 3_000, header: 150, fallback: 3_000 } as const;

const MARK: Record<Severity, string> = {
  critical: ':red_circle:',
  warning: ':large_orange_circle:',
  info: ':large_blue_circle:',
};
const TITLE: Record<Severity, string> = { critical: 'Critical', warning: 'Warning', info: 'Info' };
/** Diff lines shown per decision; the rest are counted. */
const DIFF_LINES = 20;
/** One value of a diff, one digest line: long ones are cut so one finding cannot fill a message. */
const VALUE_CHARS = 200;
const LINE_CHARS = 600;
/** Blocks one decision takes in a full message: its section and its `elava why` context. */
const PER_DECISION = 2;

/** Slack's mrkdwn control characters, escaped: user text (tags, reasons) cannot make links or mentions. */
export function escapeMrkdwn(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
}

/** Inline code of user text: escaped, and a backtick in it cannot end the span. */
const code = (text: string) => `\`${escapeMrkdwn(text.replace(/`/g, "'"))}\``;

/**
 * `text` cut to at most `max` characters, ending with an ellipsis that says how much was cut.
 * Never splits an escape (`&amp;`) or a surrogate pair.
 */
export function truncate(text: string, max: number = LIMITS.text): string {
  if (text.length <= max) return text;
  const note = (n: number) => `… (${n} more characters)`;
  let keep = Math.max(0, max - note(text.length).length);
  const amp = text.lastIndexOf('&', keep);
  if (amp >= 0 && amp < keep && /^&[a-z]*$/.test(text.slice(amp, keep)) && keep - amp < 6) keep = amp;
  const last = text.charCodeAt(keep - 1);
  if (keep > 0 && last >= 0xd800 && last <= 0xdbff) keep--;
  return `${text.slice(0, keep)}${note(text.length - keep)}`;
}

const show = (v: unknown): string => {
  if (v === undefined) return '(none)';
  const s = typeof v === 'string' ? v : JSON.stringify(v);
  return s.length > VALUE_CHARS ? `${s.slice(0, VALUE_CHARS)}…` : s;
};

const isDryRun = (d: Decision) => d.metadata.dry_run === true;

/** "*web-1* `i-0abc` ec2.instance · 123456789012/us-east-1": the resource's Name tag, native id, where. */
function resourceLine(d: Decision): string {
  const r = d.resource;
  const name = r.tags?.Name;
  const id = nativeIdOf(r.id) ?? r.id;
  return `${name ? `*${escapeMrkdwn(name.replace(/\*/g, ''))}* ` : ''}${code(id)} ${escapeMrkdwn(r.type)} · ${escapeMrkdwn(r.account)}/${escapeMrkdwn(r.region)}`;
}

interface DiffEntry {
  path: string;
  before?: unknown;
  after?: unknown;
}
const diffOf = (v: unknown): DiffEntry[] =>
  Array.isArray(v)
    ? v.filter((e): e is DiffEntry => typeof e === 'object' && e !== null && typeof (e as DiffEntry).path === 'string')
    : [];

function diffLines(title: string, entries: DiffEntry[], line: (e: DiffEntry) => string): string[] {
  if (entries.length === 0) return [];
  const shown = entries.slice(0, DIFF_LINES).map((e) => `• ${line(e)}`);
  const more = entries.length > DIFF_LINES ? [`• …and ${entries.length - DIFF_LINES} more`] : [];
  return [`*${title}*`, ...shown, ...more];
}

/** Who made the change behind a decision, when an event or CloudTrail said (issue 15). */
function byLine(d: Decision): string[] {
  const a = d.metadata.actor as Actor | undefined;
  if (!a || typeof a.principal_arn !== 'string') return [];
  const when = typeof a.event_time === 'string' ? ` at ${escapeMrkdwn(a.event_time)}` : '';
  const call = typeof a.event_name === 'string' ? ` (${escapeMrkdwn(a.event_name)}${when})` : '';
  return [`_by_ ${code(actorLabel(a))}${call}`];
}

/** The section of one decision: what, where, why, what to do, and the diff of a change. */
export function sectionText(d: Decision): string {
  const dry = isDryRun(d) ? ' · _dry run: nothing will be done_' : '';
  const lines = [
    `${MARK[d.severity]} *${escapeMrkdwn(d.action)}* · ${resourceLine(d)}${dry}`,
    escapeMrkdwn(d.reason),
    ...byLine(d),
    ...(typeof d.metadata.suggestion === 'string' && d.metadata.suggestion
      ? [`> ${escapeMrkdwn(d.metadata.suggestion).replace(/\n/g, '\n> ')}`]
      : []),
    ...diffLines(
      'Diff',
      diffOf(d.metadata.diff),
      (e) => `${code(e.path)}: ${escapeMrkdwn(show(e.before))} → ${escapeMrkdwn(show(e.after))}`,
    ),
    ...diffLines('To restore', diffOf(d.metadata.restore), (e) => `${code(e.path)} → ${escapeMrkdwn(show(e.before))}`),
  ];
  return truncate(lines.join('\n'));
}

/** The context line of one decision: the command that explains it, and what decided it. */
export function contextText(d: Decision): string {
  const parts = [
    `\`elava why ${escapeMrkdwn(d.id)}\``,
    `revision ${d.revision}`,
    ...(d.policy ? [`policy ${escapeMrkdwn(d.policy.package)} ${escapeMrkdwn(d.policy.rule)}`] : []),
    ...(d.change ? [`change ${escapeMrkdwn(d.change.type)} ${code(d.change.id)}`] : []),
  ];
  return truncate(parts.join(' · '));
}

const header = (text: string): SlackBlock => ({
  type: 'header',
  text: { type: 'plain_text', text: truncate(text, LIMITS.header), emoji: true },
});

const plural = (n: number, what: string) => `${n} ${what}${n === 1 ? '' : 's'}`;

/** The fallback: one line that says what the message is, then the first findings. */
function fallback(title: string, ds: Decision[]): string {
  const lines = ds.map((d) => {
    const name = d.resource.tags?.Name;
    const a = d.metadata.actor as Actor | undefined;
    const by = a && typeof a.principal_arn === 'string' ? ` (by ${actorLabel(a)})` : '';
    return `${name ? `${name} ` : ''}${nativeIdOf(d.resource.id) ?? d.resource.id}: ${d.reason}${by}`;
  });
  return truncate(escapeMrkdwn([title, ...lines].join('\n')), LIMITS.fallback);
}

function bySeverity(ds: Decision[]): [Severity, Decision[]][] {
  return SEVERITIES.map((s) => [s, ds.filter((d) => d.severity === s)] as [Severity, Decision[]]).filter(
    ([, list]) => list.length > 0,
  );
}

const dryTag = (ds: Decision[]) => (ds.length > 0 && ds.every(isDryRun) ? ' [dry run]' : '');

/**
 * Every decision in full, a header per severity and one section (plus its `elava why` context) per
 * decision; split into as many posts as Slack's 50-block limit needs ("(2/3)" in each header), each
 * severity in its own posts. No decision is ever left out.
 */
export function detailed(ds: Decision[], channel?: string): Post[] {
  const perMessage = Math.floor((LIMITS.blocks - 1) / PER_DECISION);
  const posts: Post[] = [];
  for (const [severity, list] of bySeverity(ds)) {
    const parts = Math.ceil(list.length / perMessage);
    for (let p = 0; p < parts; p++) {
      const chunk = list.slice(p * perMessage, (p + 1) * perMessage);
      const of = parts > 1 ? ` (${p + 1}/${parts})` : '';
      const title = `${MARK[severity]} Elava · ${TITLE[severity]} · ${plural(list.length, 'decision')}${dryTag(chunk)}${of}`;
      const blocks: SlackBlock[] = [header(title)];
      for (const d of chunk)
        blocks.push(
          { type: 'section', text: { type: 'mrkdwn', text: sectionText(d) } },
          { type: 'context', elements: [{ type: 'mrkdwn', text: contextText(d) }] },
        );
      posts.push({
        message: {
          ...(channel ? { channel } : {}),
          text: fallback(`Elava ${severity}${dryTag(chunk)}${of}: ${plural(list.length, 'decision')}`, chunk),
          blocks,
        },
        decisions: chunk,
      });
    }
  }
  return posts;
}

/** One decision as one message. */
export function single(d: Decision, channel?: string): SlackMessage {
  return (detailed([d], channel)[0] as Post).message;
}

/** One finding in a digest: the resource, the reason, the id for `elava why`. */
function digestLine(d: Decision, markDry: boolean): string {
  const dry = markDry && isDryRun(d) ? ' _(dry run)_' : '';
  return truncate(`• ${resourceLine(d)}: ${escapeMrkdwn(d.reason)}${dry} · ${code(d.id)}`, LINE_CHARS);
}

/**
 * Many decisions at once (a first scan, a mass change) as one message that lists the findings, a
 * header per severity, as many as Slack's limits hold; the rest are named by the command that
 * lists them all.
 */
export function digest(ds: Decision[], channel?: string): SlackMessage {
  const allDry = ds.length > 0 && ds.every(isDryRun);
  const blocks: SlackBlock[] = [];
  // One block is kept for the "and N more" line.
  const room = LIMITS.blocks - 1;
  let listed = 0;
  const groups = bySeverity(ds);
  for (const [severity, list] of groups) {
    if (blocks.length + 2 > room) break;
    const actions = [...new Set(list.map((d) => d.action))].join(', ');
    blocks.push(
      header(
        `${MARK[severity]} Elava · ${TITLE[severity]} · ${plural(list.length, 'decision')}${allDry ? ' [dry run]' : ''}`,
      ),
    );
    let section: string[] = [];
    let length = 0;
    const flush = () => {
      if (section.length === 0) return;
      blocks.push({ type: 'section', text: { type: 'mrkdwn', text: section.join('\n') } });
      section = [];
      length = 0;
    };
    let i = 0;
    for (; i < list.length; i++) {
      const d = list[i] as Decision;
      const line = digestLine(d, !allDry);
      if (section.length > 0 && length + 1 + line.length > LIMITS.text) {
        if (blocks.length + 2 > room) break;
        flush();
      }
      section.push(line);
      length += (section.length > 1 ? 1 : 0) + line.length;
    }
    if (section.length > 0) flush();
    listed += i;
    if (actions && i === list.length && blocks.length < room)
      blocks.push({ type: 'context', elements: [{ type: 'mrkdwn', text: `actions: ${escapeMrkdwn(actions)}` }] });
    if (i < list.length) break;
  }
  const more = ds.length - listed;
  // The earliest decision's time: the command lists them all (and any made since).
  const earliest = ds.reduce((min, d) => {
    const t = Date.parse(d.time);
    return Number.isFinite(t) && t < min ? t : min;
  }, Number.POSITIVE_INFINITY);
  const since = Number.isFinite(earliest) ? new Date(earliest).toISOString().replace('.000Z', 'Z') : '24h';
  const severities = groups.map(([s]) => s);
  const command = `elava decisions --since ${since}${severities.length === 1 ? ` --severity ${severities[0]}` : ''}`;
  if (more > 0)
    blocks.push({
      type: 'context',
      elements: [{ type: 'mrkdwn', text: `and ${more} more: \`${escapeMrkdwn(command)}\`` }],
    });
  const counts = groups.map(([s, list]) => `${list.length} ${s}`).join(', ');
  const title = `Elava${allDry ? ' [dry run]' : ''}: ${plural(ds.length, 'decision')} (${counts})${more > 0 ? `, ${listed} listed, and ${more} more: ${command}` : ''}`;
  return {
    ...(channel ? { channel } : {}),
    text: fallback(title, ds.slice(0, 20)),
    blocks,
  };
}
