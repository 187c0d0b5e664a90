import { type ApiCall, providerFor, type TagTarget, WRITE_OPERATIONS } from '@elava/aws';
import { type Decision, type FieldDiff, isBlessed, parseResourceId, type Tags } from '@elava/types';

export type { ApiCall };

/** The resource as AWS shows it right before acting (never the recorded copy: it may be stale). */
export interface Current {
  exists: boolean;
  tags: Tags;
  /** Termination / deletion protection, where the type has it. */
  protected?: boolean;
  /** All the attributes as read now (tag writes of some types keep settings from them). */
  attributes?: Readonly<Record<string, unknown>>;
  /** The tags of the resource's VPC: a source of values for missing tags. */
  vpcTags?: Tags;
  /** Tag values Elava itself wrote (auto_tag): a restore overrides them, not a person's change. */
  ownTags?: Tags;
}

export interface PlanSettings {
  requiredTags: string[];
  defaultTags: Tags;
  autoProtectProd: boolean;
  productionTag: { key: string; values: string[] };
}

/** The calls to make (none when the resource is already as wanted), or why nothing may be done. */
export type Plan = { calls: ApiCall[]; note: string } | { refused: string };

/** The write operations the executor may ever send (derived from the readers); the clients refuse any other. */
export { WRITE_OPERATIONS };

/**
 * What carrying out a decision takes, computed from the resource as it is now. Only tags and
 * protection are ever written: nothing here deletes, stops or resizes.
 */
export function plan(d: Decision, now: Current, s: PlanSettings): Plan {
  if (!now.exists) return { refused: 'the resource no longer exists' };
  const blessed = isBlessed({ tags: now.tags }) || isBlessed({ tags: d.resource.tags });
  if (blessed && d.action !== 'protect') return { refused: 'a blessed resource is never modified, only protected' };
  const writes = providerFor(d.resource.type).tagWrites;
  if ((d.action === 'auto_tag' || d.action === 'enforce_policy') && !writes.writable)
    return { refused: `${d.resource.type} tags cannot be written: ${writes.why}` };
  switch (d.action) {
    case 'auto_tag':
      return autoTag(d, now, s);
    case 'enforce_policy':
      return restoreTags(d, now);
    case 'protect':
      return protect(d, now, s, blessed);
    default:
      return { refused: `${d.action} is not an action the executor carries out` };
  }
}

function autoTag(d: Decision, now: Current, s: PlanSettings): Plan {
  const missing = s.requiredTags.filter((k) => !(k in now.tags));
  if (missing.length === 0) return { calls: [], note: 'every required tag is already there' };
  const set: Tags = {};
  const unresolved: string[] = [];
  for (const k of missing) {
    const v = s.defaultTags[k] ?? now.vpcTags?.[k];
    if (v === undefined) unresolved.push(k);
    else set[k] = v;
  }
  if (Object.keys(set).length === 0)
    return { refused: `no value for ${unresolved.join(', ')} (set actions.tagging.default_tags or tag the VPC)` };
  const note = unresolved.length > 0 ? `no value for ${unresolved.join(', ')}` : 'missing tags added';
  return { calls: tagCalls(d, now, set, {}), note };
}

/** Puts back what a tag drift changed, key by key, only where the tag still holds the drifted value. */
function restoreTags(d: Decision, now: Current): Plan {
  const restore = (d.metadata.restore ?? []) as FieldDiff[];
  const set: Tags = {};
  const remove: Tags = {};
  const superseded: string[] = [];
  for (const f of restore) {
    if (!f.path.startsWith('tags.')) continue;
    const key = f.path.slice('tags.'.length);
    const current = now.tags[key];
    const ours = current !== undefined && now.ownTags?.[key] === current;
    if (current !== (f.after as string | undefined) && !ours) {
      if (current !== (f.before as string | undefined)) superseded.push(key);
      continue;
    }
    if (typeof f.before === 'string') set[key] = f.before;
    else if (typeof f.after === 'string') remove[key] = f.after;
  }
  const calls = tagCalls(d, now, set, remove);
  const note =
    superseded.length > 0
      ? `changed again since the drift, left as is: ${superseded.join(', ')}`
      : calls.length === 0
        ? 'the tags are already as before the drift'
        : 'tags restored';
  return { calls, note };
}

function protect(d: Decision, now: Current, s: PlanSettings, blessed: boolean): Plan {
  const production = s.productionTag.values.includes(now.tags[s.productionTag.key] ?? '');
  if (!blessed && !(production && s.autoProtectProd))
    return {
      refused: 'only blessed resources, or production ones with actions.protection.auto_protect_prod, are protected',
    };
  if (now.protected) return { calls: [], note: 'already protected' };
  const protection = providerFor(d.resource.type).protection;
  if (!protection) return { refused: `${d.resource.type} has no termination or deletion protection` };
  return { calls: [protection.call(target(d, now))], note: protection.note };
}

function target(d: Decision, now: Current): TagTarget {
  return {
    nativeId: parseResourceId(d.resource.id).nativeId,
    // Most services tag by ARN, which the readers record as `attributes.arn`.
    arn: typeof now.attributes?.arn === 'string' ? now.attributes.arn : '',
    tags: now.tags,
    ...(now.attributes ? { attributes: now.attributes } : {}),
  };
}

/** Tag writes in the type's own terms (its reader module says how). */
function tagCalls(d: Decision, now: Current, set: Tags, remove: Tags): ApiCall[] {
  const writes = providerFor(d.resource.type).tagWrites;
  if (!writes.writable) return [];
  return writes.calls(target(d, now), set, remove);
}
