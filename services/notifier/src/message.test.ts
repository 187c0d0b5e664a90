import type { Decision } from '@elava/types';
import { describe, expect, it } from 'vitest';
import {
  detailed,
  digest,
  escapeMrkdwn,
  LIMITS,
  type SlackBlock,
  type SlackMessage,
  single,
  truncate,
} from './message.js';

const decision = (n: number, over: Partial<Decision> = {}): Decision => ({
  id: `d${String(n).padStart(4, '0')}`,
  store: 'a1b2c3d4e5f6',
  action: 'alert',
  severity: 'critical',
  resource: {
    id: `aws:123456789012:us-east-1:ec2.security_group:sg-${n}`,
    type: 'ec2.security_group',
    account: '123456789012',
    region: 'us-east-1',
    tags: { Name: `web-${n}` },
  },
  reason: `security group sg-${n} is open to 0.0.0.0/0 on port 22`,
  policy: { package: 'elava.security', rule: 'deny' },
  revision: 4,
  time: '2026-11-22T10:00:00Z',
  metadata: { suggestion: 'limit the rule to the office range' },
  ...over,
});

/** Every piece of text in a message's blocks. */
const texts = (blocks: SlackBlock[] = []): string[] =>
  blocks.flatMap((b) =>
    b.type === 'header' || b.type === 'section'
      ? [b.text.text]
      : b.type === 'context'
        ? b.elements.map((e) => e.text)
        : [],
  );

/** Slack's limits, checked on a whole message. */
function withinLimits(m: SlackMessage) {
  expect(m.blocks?.length).toBeGreaterThan(0);
  expect(m.blocks?.length).toBeLessThanOrEqual(LIMITS.blocks);
  for (const b of m.blocks ?? []) {
    if (b.type === 'header') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.header);
    if (b.type === 'section') expect(b.text.text.length).toBeLessThanOrEqual(LIMITS.text);
    if (b.type === 'context') for (const e of b.elements) expect(e.text.length).toBeLessThanOrEqual(LIMITS.text);
  }
  expect(m.text.length).toBeGreaterThan(0);
  expect(m.text.length).toBeLessThanOrEqual(LIMITS.fallback);
}

describe('Slack messages', () => {
  it('one decision: a header for its severity, a section with resource, place, reason and suggestion, and the elava why line', () => {
    const m = single(decision(1), '#ops');
    withinLimits(m);
    expect(m.channel).toBe('#ops');
    expect(m.blocks?.map((b) => b.type)).toEqual(['header', 'section', 'context']);
    const [head, section, context] = texts(m.blocks);
    expect(head).toMatch(/Critical · 1 decision$/);
    expect(section).toContain('*web-1* `sg-1` ec2.security_group · 123456789012/us-east-1');
    expect(section).toContain('security group sg-1 is open to 0.0.0.0/0 on port 22');
    expect(section).toContain('> limit the rule to the office range');
    expect(context).toContain('`elava why d0001`');
    expect(context).toContain('policy elava.security deny');
    expect(m.text).toMatch(/^Elava critical: 1 decision\nweb-1 sg-1: security group sg-1 is open/);
  });

  it('shows the diff of a change, what a restore would put back, and the change', () => {
    const drift = single(
      decision(2, {
        action: 'notify',
        severity: 'warning',
        reason: 'tags of sg-2 drifted',
        policy: undefined,
        change: { id: 'c42', type: 'tag_drift' },
        metadata: {
          diff: [
            { path: 'tags.elava:owner', before: 'alice', after: 'bob' },
            { path: 'tags.cost-center', after: '42' },
          ],
        },
      }),
    );
    const [head, section, context] = texts(drift.blocks);
    expect(head).toMatch(/Warning · 1 decision/);
    expect(section).toContain('*Diff*\n• `tags.elava:owner`: alice → bob\n• `tags.cost-center`: (none) → 42');
    expect(context).toContain('change tag_drift `c42`');
    const restore = single(
      decision(3, {
        action: 'alert',
        metadata: { restore: [{ path: 'tags.environment', before: 'prod', after: 'x' }] },
      }),
    );
    expect(texts(restore.blocks)[1]).toContain('*To restore*\n• `tags.environment` → prod');
  });

  it('escapes &, < and > in what users control (tags, reasons, suggestions, diffs)', () => {
    const m = single(
      decision(4, {
        reason: 'open to <!channel> & <https://evil.example|click>',
        resource: { ...decision(4).resource, tags: { Name: '<@U123> & co' } },
        metadata: { suggestion: 'a > b', diff: [{ path: 'tags.x<y', before: '<b>', after: '&' }] },
      }),
    );
    const section = texts(m.blocks)[1] as string;
    expect(section).toContain('open to &lt;!channel&gt; &amp; &lt;https://evil.example|click&gt;');
    expect(section).toContain('*&lt;@U123&gt; &amp; co*');
    expect(section).toContain('> a &gt; b');
    expect(section).toContain('`tags.x&lt;y`: &lt;b&gt; → &amp;');
    for (const t of [...texts(m.blocks), m.text]) expect(t).not.toMatch(/<[!@h]/);
    expect(escapeMrkdwn('a&b<c>d')).toBe('a&amp;b&lt;c&gt;d');
  });

  it('marks dry-run decisions, in the header, the section and the fallback', () => {
    const m = single(decision(5, { metadata: { dry_run: true, mode: 'dry_run' } }));
    expect(texts(m.blocks)[0]).toContain('[dry run]');
    expect(texts(m.blocks)[1]).toContain('dry run: nothing will be done');
    expect(m.text).toMatch(/^Elava critical \[dry run\]/);
    const real = single(decision(6));
    expect(JSON.stringify(real)).not.toContain('dry run');
  });

  it('keeps every text under 3,000 characters and says how much was cut', () => {
    const m = single(decision(7, { reason: 'x'.repeat(10_000) }));
    withinLimits(m);
    const section = texts(m.blocks)[1] as string;
    expect(section.length).toBeLessThanOrEqual(3_000);
    const cut = Number(/… \((\d+) more characters\)$/.exec(section)?.[1]);
    // What is kept and what is cut make up the whole text.
    expect(section.length - `… (${cut} more characters)`.length + cut).toBeGreaterThan(10_000);
    expect(truncate('short', 10)).toBe('short');
    expect(truncate('a'.repeat(100), 40)).toMatch(/^a+… \(\d+ more characters\)$/);
    expect(truncate('a'.repeat(100), 40).length).toBeLessThanOrEqual(40);
    // An escape is never cut in half.
    expect(truncate(`${'a'.repeat(20)}&amp;${'b'.repeat(50)}`, 44)).toMatch(/^a{20}… \(/);
  });

  it('splits 120 decisions into posts of at most 50 blocks, each with its own "(k/n)" header, none left out', () => {
    const ds = Array.from({ length: 120 }, (_, i) => decision(i));
    const posts = detailed(ds, '#ops');
    expect(posts.length).toBeGreaterThanOrEqual(3);
    const n = posts.length;
    posts.forEach((p, k) => {
      withinLimits(p.message);
      expect(p.message.blocks?.[0]?.type).toBe('header');
      expect(texts(p.message.blocks)[0]).toMatch(new RegExp(`Critical · 120 decisions \\(${k + 1}/${n}\\)$`));
      expect(p.message.text).toContain(`(${k + 1}/${n})`);
    });
    const mentioned = posts.flatMap((p) =>
      texts(p.message.blocks).flatMap((t) => [...t.matchAll(/elava why (d\d{4})/g)].map((m) => m[1])),
    );
    expect(mentioned.sort()).toEqual(ds.map((d) => d.id).sort());
    expect(posts.flatMap((p) => p.decisions)).toEqual(ds);
  });

  it('gives each severity its own header and posts', () => {
    const ds = [decision(1), decision(2, { severity: 'info' }), decision(3, { severity: 'warning' })];
    const posts = detailed(ds);
    expect(posts.map((p) => texts(p.message.blocks)[0])).toEqual([
      expect.stringMatching(/Critical · 1 decision$/),
      expect.stringMatching(/Warning · 1 decision$/),
      expect.stringMatching(/Info · 1 decision$/),
    ]);
  });

  it('a digest lists the findings (resource, reason, decision id), not only how many', () => {
    const ds = Array.from({ length: 12 }, (_, i) => decision(i));
    const m = digest(ds, '#ops');
    withinLimits(m);
    expect(texts(m.blocks)[0]).toMatch(/Critical · 12 decisions$/);
    const body = texts(m.blocks).join('\n');
    for (const d of ds) {
      expect(body).toContain(`*${d.resource.tags.Name}* \`${d.resource.id.split(':').pop()}\``);
      expect(body).toContain(d.reason);
      expect(body).toContain(`\`${d.id}\``);
    }
    expect(body).not.toContain('more:');
    expect(m.text).toMatch(/^Elava: 12 decisions \(12 critical\)\nweb-0 sg-0: security group sg-0/);
  });

  it('a digest of very many lists as many as fit and names the command for the rest', () => {
    const ds = Array.from({ length: 3_000 }, (_, i) =>
      decision(i, { time: `2026-11-22T10:${String(i % 60).padStart(2, '0')}:00Z` }),
    );
    const m = digest(ds);
    withinLimits(m);
    const body = texts(m.blocks).join('\n');
    const listed = [...body.matchAll(/`(d\d{4})`/g)].map((x) => x[1]);
    expect(listed.length).toBeGreaterThan(100);
    expect(new Set(listed).size).toBe(listed.length);
    const more = 3_000 - listed.length;
    expect(body).toContain(`and ${more} more: \`elava decisions --since 2026-11-22T10:00:00Z --severity critical\``);
    expect(m.text).toContain(`${listed.length} listed, and ${more} more`);
  });

  it('a digest marks dry run once when every decision is one', () => {
    const m = digest(Array.from({ length: 8 }, (_, i) => decision(i, { metadata: { dry_run: true } })));
    expect(texts(m.blocks)[0]).toContain('[dry run]');
    expect(m.text).toMatch(/^Elava \[dry run\]: 8 decisions/);
    const mixed = digest([decision(1, { metadata: { dry_run: true } }), decision(2)]);
    expect(texts(mixed.blocks).join('\n')).toMatch(/sg-1 is open[^\n]*_\(dry run\)_/);
    expect(texts(mixed.blocks).join('\n')).not.toMatch(/sg-2 is open[^\n]*dry run/);
  });
});
