// What each policy rule (deny/warn/info of a package) can match, read from its Rego AST (`opa parse`),
// so the policy service evaluates a resource only against the rules that could say something about
// it. Conservative by construction: a rule is restricted only by what every one of its definitions
// requires, and anything this reader does not recognise leaves the rule unrestricted.
//
// A definition is restricted by a positive (not negated, no `with`) body expression that
//  - compares the resource's type with a string:           r.type == "ec2.volume"
//  - tests it against a set or array of strings:            r.type in {"a", "b"} / in some_constant_set
//  - looks it up in an object of constants:                 field := unencrypted[r.type]
//  - needs a helper rule of the package whose every definition is restricted (and which has no
//    default):                                              plain_http_listener / some k in active_keys
// where `r` is `input.resource` (directly, a package rule `r := input.resource`, or a local one).
// It needs a change when such an expression reads `input.change…` outside any comprehension (an
// undefined reference makes the expression, and so the definition, fail).
// A package is time-dependent when any of its rules may read `input.now` (or reads `input` whole).
import { execFileSync } from 'node:child_process';
import { readdirSync } from 'node:fs';
import { join } from 'node:path';

/** @typedef {{ types: string[] | null, change: boolean }} Guard  types null: any type */

/**
 * @param {string} opa the opa binary
 * @param {string} dir the package's directory
 * @param {string[]} rules the package's deny/warn/info rules
 * @returns {{ guards: Record<string, Guard>, time: boolean }}
 */
export function analysePackage(opa, dir, rules) {
  const modules = readdirSync(dir)
    .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
    .map((f) => JSON.parse(execFileSync(opa, ['parse', '--format', 'json', join(dir, f)], { encoding: 'utf8' })));
  // Every file of the directory is the package named after it: rules of one package spread over
  // two directories would be read here only in part.
  const name = dir.split(/[\\/]/).filter(Boolean).pop();
  for (const m of modules) {
    const path = (m.package?.path ?? []).map((t) => t.value).join('.');
    if (path !== `data.elava.${name}`) throw new Error(`${dir}: a file of package ${path}, not data.elava.${name}`);
  }
  const defs = new Map();
  for (const m of modules)
    for (const rule of m.rules ?? []) {
      const name = rule.head?.name ?? rule.head?.ref?.[0]?.value;
      if (typeof name !== 'string') continue;
      if (!defs.has(name)) defs.set(name, []);
      defs.get(name).push(rule);
    }
  const ctx = { defs, memo: new Map(), visiting: new Set() };
  const guards = {};
  for (const r of rules) guards[r] = ruleGuard(ctx, r);
  return { guards, time: modules.some(readsNow) };
}

/**
 * Whether anything in the AST may read `input.now`: `input.now` itself, and (not to be fooled)
 * `input` whole or at a key that is not a literal (`object.get(input, "now", …)`, `input[k]`).
 */
function readsNow(node) {
  if (Array.isArray(node)) return node.some(readsNow);
  if (!node || typeof node !== 'object') return false;
  if (node.type === 'ref' && Array.isArray(node.value) && isVar(node.value[0], 'input')) {
    const key = node.value[1];
    if (key?.type !== 'string' || key.value === 'now') return true;
    return node.value.slice(2).some(readsNow);
  }
  if (isVar(node, 'input')) return true;
  return Object.values(node).some(readsNow);
}

const ANY = { types: null, change: false };

/** The union over a rule's definitions; a default (or else) makes it match anything. */
function ruleGuard(ctx, name) {
  if (ctx.memo.has(name)) return ctx.memo.get(name);
  const defs = ctx.defs.get(name);
  if (!defs || ctx.visiting.has(name) || defs.some((d) => d.default || d.else)) return ANY;
  ctx.visiting.add(name);
  let types = [];
  let change = true;
  for (const d of defs) {
    const g = bodyGuard(ctx, d.body ?? []);
    types = types === null || g.types === null ? null : [...new Set([...types, ...g.types])];
    change &&= g.change;
  }
  ctx.visiting.delete(name);
  const guard = { types: types?.sort() ?? null, change };
  ctx.memo.set(name, guard);
  return guard;
}

/** The intersection of what the body's expressions require. */
function bodyGuard(ctx, body) {
  const locals = new Map();
  let types = null;
  let change = false;
  for (const raw of body) {
    if (raw.negated || raw.with) continue;
    const expr = normalise(raw);
    const bound = localBinding(expr);
    if (bound) locals.set(bound.name, bound.value);
    const t = exprTypes(ctx, expr, locals);
    if (t) types = types === null ? t : types.filter((x) => t.includes(x));
    if (readsChange(expr.terms)) change = true;
    const helper = helperGuard(ctx, expr);
    if (helper) {
      if (helper.types) types = types === null ? helper.types : types.filter((x) => helper.types.includes(x));
      change ||= helper.change;
    }
  }
  return { types, change };
}

/** `some x in xs` parses as a declaration around the membership call: the call itself. */
function normalise(expr) {
  const symbols = expr.terms?.symbols;
  if (symbols?.length === 1 && symbols[0].type === 'call') return { ...expr, terms: symbols[0].value };
  return expr;
}

const isVar = (t, v) => t?.type === 'var' && (v === undefined || t.value === v);
const isCall = (terms, name) =>
  Array.isArray(terms) &&
  terms[0]?.type === 'ref' &&
  terms[0].value.map((p) => p.value).join('.') === name &&
  terms[0].value.length === name.split('.').length;

/** `x := <term>` or `x = <term>` in a body: a local name. */
function localBinding(expr) {
  if (!(isCall(expr.terms, 'assign') || isCall(expr.terms, 'eq'))) return null;
  const [, left, right] = expr.terms;
  return isVar(left) ? { name: left.value, value: right } : null;
}

/** Whether a term is `input.resource` (through a local or a package rule `r := input.resource`). */
function isResource(ctx, term, locals) {
  if (term?.type === 'ref' && term.value.length === 2)
    return isVar(term.value[0], 'input') && term.value[1].type === 'string' && term.value[1].value === 'resource';
  if (!isVar(term)) return false;
  if (locals.has(term.value)) return isResource(ctx, locals.get(term.value), new Map());
  const defs = ctx.defs.get(term.value);
  return (
    defs?.length === 1 &&
    !defs[0].default &&
    isTrivialBody(defs[0].body) &&
    isResource(ctx, defs[0].head?.value, new Map())
  );
}

const isTrivialBody = (body) =>
  !body || (body.length === 1 && body[0].terms?.type === 'boolean' && body[0].terms.value);

/** Whether a term is the resource's type: `input.resource.type` or `r.type`. */
function isType(ctx, term, locals) {
  if (term?.type !== 'ref') return false;
  const path = term.value;
  const last = path[path.length - 1];
  if (last?.type !== 'string' || last.value !== 'type') return false;
  const base = path.length === 2 ? path[0] : { type: 'ref', value: path.slice(0, -1) };
  return isResource(ctx, base, locals);
}

/** A constant collection of strings: a literal, or a package rule with one constant definition. */
function constantStrings(ctx, term, kind) {
  if (term?.type === 'set' || term?.type === 'array') {
    if (kind !== 'members') return null;
    return term.value.every((x) => x.type === 'string') ? term.value.map((x) => x.value) : null;
  }
  if (term?.type === 'object') {
    if (kind !== 'keys') return null;
    return term.value.every(([k]) => k.type === 'string') ? term.value.map(([k]) => k.value) : null;
  }
  if (isVar(term)) {
    const defs = ctx.defs.get(term.value);
    if (defs?.length !== 1 || defs[0].default || !isTrivialBody(defs[0].body)) return null;
    return constantStrings(ctx, defs[0].head?.value, kind);
  }
  return null;
}

/** The types an expression allows, or null when it does not restrict the type. */
function exprTypes(ctx, expr, locals) {
  const terms = expr.terms;
  if (isCall(terms, 'equal') || isCall(terms, 'eq')) {
    const [, a, b] = terms;
    if (isType(ctx, a, locals) && b?.type === 'string') return [b.value];
    if (isType(ctx, b, locals) && a?.type === 'string') return [a.value];
  }
  if (isCall(terms, 'internal.member_2') && isType(ctx, terms[1], locals))
    return constantStrings(ctx, terms[2], 'members');
  // field := table[r.type], or table[r.type] alone: defined only for the table's keys
  if (isCall(terms, 'assign') || isCall(terms, 'eq') || terms?.type === 'ref') {
    const lookup = terms?.type === 'ref' ? terms : terms[2];
    if (lookup?.type === 'ref' && lookup.value.length === 2 && isType(ctx, lookup.value[1], locals))
      return constantStrings(ctx, lookup.value[0], 'keys');
  }
  return null;
}

/** A body expression that needs a package helper (a bare rule, or `some x in rule`) to be non-empty. */
function helperGuard(ctx, expr) {
  const terms = expr.terms;
  let name = null;
  if (isVar(terms)) name = terms.value;
  else if (isCall(terms, 'internal.member_2') && isVar(terms[2])) name = terms[2].value;
  else if (isCall(terms, 'internal.member_3') && isVar(terms[3])) name = terms[3].value;
  if (!name || !ctx.defs.has(name) || RULE_NAMES.has(name)) return null;
  return ruleGuard(ctx, name);
}

const RULE_NAMES = new Set(['deny', 'warn', 'info']);

/** Whether an expression reads `input.change…` where an undefined value fails it (not in a comprehension). */
function readsChange(terms) {
  if (Array.isArray(terms)) return terms.some((t) => readsChange(t));
  if (!terms || typeof terms !== 'object') return false;
  if (terms.type === 'ref') {
    const [head, key] = terms.value;
    if (isVar(head, 'input') && key?.type === 'string' && key.value === 'change') return true;
    return false;
  }
  if (terms.type === 'call') return terms.value.slice(1).some((t) => readsChange(t));
  return false;
}
