import { describe, expect, it } from 'vitest';
import { diff } from './diff.js';

describe('field-level diff', () => {
  it('reports changed, added and removed fields by path', () => {
    expect(
      diff(
        { status: 'running', tags: { a: '1', b: '2' }, attributes: { instance_type: 't3.micro' } },
        { status: 'stopped', tags: { a: '1', c: '3' }, attributes: { instance_type: 't3.large' } },
      ),
    ).toEqual([
      { path: 'attributes.instance_type', before: 't3.micro', after: 't3.large' },
      { path: 'status', before: 'running', after: 'stopped' },
      { path: 'tags.b', before: '2' },
      { path: 'tags.c', after: '3' },
    ]);
  });

  it('matches list elements by natural key, never by position', () => {
    const r22 = { direction: 'ingress', protocol: 'tcp', from_port: 22, to_port: 22, source: '10.0.0.0/8' };
    const r443 = { direction: 'ingress', protocol: 'tcp', from_port: 443, to_port: 443, source: '0.0.0.0/0' };
    const r80 = { direction: 'ingress', protocol: 'tcp', from_port: 80, to_port: 80, source: '0.0.0.0/0' };
    expect(diff({ rules: [r22, r443] }, { rules: [r443, r22] })).toEqual([]);
    const d = diff({ rules: [r22, r443] }, { rules: [r80, r22] });
    expect(d).toHaveLength(2);
    expect(d.find((x) => x.before)?.before).toEqual(r443);
    expect(d.find((x) => x.after)?.after).toEqual(r80);
    expect(diff({ enis: [{ id: 'eni-1', ip: 'a' }] }, { enis: [{ id: 'eni-1', ip: 'b' }] })).toEqual([
      { path: 'enis[id=eni-1].ip', before: 'a', after: 'b' },
    ]);
    expect(diff({ sgs: ['sg-1', 'sg-2'] }, { sgs: ['sg-2', 'sg-1'] })).toEqual([]);
  });
});

describe('declared list keys', () => {
  it('matches by the field the writer names for that list, and only for that list', () => {
    const before = { attributes: { rules: [{ priority: '10', path: '/a' }], other: [{ priority: '1', x: 1 }] } };
    const after = { attributes: { rules: [{ priority: '10', path: '/b' }], other: [{ priority: '1', x: 2 }] } };
    const keys = { 'attributes.rules': 'priority' };
    expect(diff(before, after, keys)).toEqual([
      { path: 'attributes.other[{"priority":"1","x":1}]', before: { priority: '1', x: 1 } },
      { path: 'attributes.other[{"priority":"1","x":2}]', after: { priority: '1', x: 2 } },
      { path: 'attributes.rules[priority=10].path', before: '/a', after: '/b' },
    ]);
  });

  it('reaches lists inside lists by their shape path', () => {
    const doc = (v: string) => ({ l: [{ id: 'a', inner: [{ n: 'x', v }] }] });
    expect(diff(doc('1'), doc('2'), { 'l[].inner': 'n' })).toEqual([
      { path: 'l[id=a].inner[n=x].v', before: '1', after: '2' },
    ]);
  });
});
