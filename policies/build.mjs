#!/usr/bin/env node
// Compiles every policy package (policies/<name>/*.rego, package elava.<name>) to its own
// WebAssembly bundle: dist/<name>.wasm with entrypoints elava/<name>/{deny,warn,info}. One bundle
// per package, so a package that does not compile is named and the others still build and run.
//
// Two guards make a policy fail here rather than at evaluation time:
//  - a capabilities file without the builtins that would make evaluation depend on the outside
//    world (http.send, time.now_ns, rand, ...): `now` comes from the input;
//  - after compiling, the builtins the module leaves to the host must all be ones the JavaScript
//    SDK (@open-policy-agent/opa-wasm) implements.
// `--test` runs `opa test` over the library instead; `--dir <path>` works on another library.
import { execFileSync } from 'node:child_process';
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { join, resolve } from 'node:path';
import { loadPolicy } from '@open-policy-agent/opa-wasm';
import { customBuiltins } from './builtins.mjs';
import { analysePackage } from './dispatch.mjs';

const SCRIPT = import.meta.dirname;
// `--dir <path>` builds (or tests) another library laid out the same way: `elava policy build` uses it.
const dirAt = process.argv.indexOf('--dir');
const HERE = dirAt > 0 && process.argv[dirAt + 1] ? resolve(process.argv[dirAt + 1]) : SCRIPT;
const DIST = join(HERE, 'dist');
const OPA =
  process.env.ELAVA_OPA ??
  (existsSync(resolve(SCRIPT, '../.elava/tools/bin/opa')) ? resolve(SCRIPT, '../.elava/tools/bin/opa') : 'opa');
const RULES = ['deny', 'warn', 'info'];
/** Builtins a policy must not call: evaluation would depend on the network, the clock or chance. */
const FORBIDDEN = [
  /^http\.send$/,
  /^net\.lookup_ip_addr$/,
  /^time\.now_ns$/,
  /^rand\./,
  /^uuid\./,
  /^opa\.runtime$/,
  /^io\.jwt\.encode/,
  /^crypto\.x509\.parse_and_verify/,
];
/** What the JavaScript SDK implements on the host (its src/builtins); the rest must be native wasm. */
const HOST_BUILTINS = new Set([
  'sprintf',
  'json.is_valid',
  'regex.split',
  'yaml.is_valid',
  'yaml.marshal',
  'yaml.unmarshal',
  ...Object.keys(customBuiltins),
]);

const opa = (args) => execFileSync(OPA, args, { encoding: 'utf8', stdio: ['ignore', 'pipe', 'pipe'] });

const packages = readdirSync(HERE, { withFileTypes: true })
  .filter((d) => d.isDirectory() && !['dist', 'node_modules'].includes(d.name))
  .filter((d) => readdirSync(join(HERE, d.name)).some((f) => f.endsWith('.rego') && !f.endsWith('_test.rego')))
  .map((d) => d.name)
  .sort();

if (process.argv.includes('--test')) {
  process.stdout.write(opa(['test', ...packages.map((p) => join(HERE, p)), '-v']));
  process.exit(0);
}

rmSync(DIST, { recursive: true, force: true });
mkdirSync(DIST, { recursive: true });
const caps = JSON.parse(opa(['capabilities', '--current']));
caps.builtins = caps.builtins.filter((b) => !FORBIDDEN.some((re) => re.test(b.name)));
const capsFile = join(DIST, 'capabilities.json');
writeFileSync(capsFile, JSON.stringify(caps));

const failed = [];
const built = [];
for (const name of packages) {
  const dir = join(HERE, name);
  const bundle = join(DIST, `${name}.tar.gz`);
  try {
    const rules = rulesOf(dir);
    if (rules.length === 0) throw new Error(`defines none of ${RULES.join(', ')}`);
    const entry = rules.flatMap((r) => ['-e', `elava/${name}/${r}`]);
    writeFileSync(join(DIST, `${name}.wasm`), await compile(entry, bundle, [dir]));
    built.push({ name, rules });
  } catch (err) {
    rmSync(bundle, { force: true });
    const text = (`${err.stdout ?? ''}${err.stderr ?? ''}` || err.message).trim();
    failed.push(`policy package elava.${name} (${dir}):\n  ${text.replaceAll('\n', '\n  ')}`);
  }
}
// Every package that built, in one module with one entrypoint: the policy service loads an input
// once per resource instead of once per rule (and falls back to the packages one by one to name
// the one that throws). Beside it, in the same module, one entrypoint per set of rules a resource
// can meet (dispatch.mjs): a resource is evaluated only against the rules that can match its type.
let combined = null;
let dispatch = null;
if (built.length > 0) {
  const wrapper = join(DIST, 'all.rego');
  // Each entrypoint answers with its findings only, as [package, rule, finding] in package and rule
  // order: the empty sets of the rules that said nothing cost as much to write out and read back in
  // as the findings did.
  const select = (spec) =>
    Object.entries(spec)
      .flatMap(([pkg, rules]) => rules.map((r) => `[["${pkg}", "${r}", f] | some f in data.elava.${pkg}.${r}]`))
      .reduce((all, part) => `array.concat(${all}, ${part})`, '[]');
  const everything = Object.fromEntries(built.map((b) => [b.name, b.rules]));
  try {
    dispatch = routes(built);
  } catch (err) {
    console.error(`policies: no per-type dispatch (every resource meets every rule): ${err.message}`);
  }
  const entries = dispatch?.entrypoints ?? [];
  writeFileSync(
    wrapper,
    `package elava_all\n\nimport rego.v1\n\nresult := ${select(everything)}\n\n${entries
      .map((e, i) => `e${i} := ${select(e.packages)}\n`)
      .join('\n')}`,
  );
  try {
    const dirs = built.map((b) => join(HERE, b.name));
    const names = ['elava_all/result', ...entries.map((_, i) => `elava_all/e${i}`)];
    writeFileSync(
      join(DIST, 'all.wasm'),
      await compile(
        names.flatMap((n) => ['-e', n]),
        join(DIST, 'all.tar.gz'),
        [...dirs, wrapper],
      ),
    );
    combined = 'all.wasm';
    for (const [i, e] of entries.entries()) e.name = `elava_all/e${i}`;
  } catch (err) {
    failed.push(`the combined module: ${(`${err.stdout ?? ''}${err.stderr ?? ''}` || err.message).trim()}`);
    dispatch = null;
  }
  rmSync(wrapper);
}
writeFileSync(
  join(DIST, 'manifest.json'),
  JSON.stringify({ packages: built, combined, ...(dispatch ? { dispatch } : {}) }, null, 2),
);
console.log(`policies: built ${built.length} package(s) to WebAssembly: ${built.map((b) => b.name).join(', ')}`);
if (failed.length > 0) {
  console.error(failed.join('\n'));
  process.exit(1);
}

/** `opa build -t wasm` with the capabilities, then the host-builtin check; the module's bytes. */
async function compile(entry, bundle, paths) {
  try {
    opa([
      'build',
      '-t',
      'wasm',
      '--capabilities',
      capsFile,
      '--ignore',
      '*_test.rego',
      ...entry,
      '-o',
      bundle,
      ...paths,
    ]);
    execFileSync('tar', ['-xzf', bundle, '-C', DIST, '/policy.wasm'], { stdio: 'ignore' });
  } finally {
    rmSync(bundle, { force: true });
  }
  const wasm = readFileSync(join(DIST, 'policy.wasm'));
  rmSync(join(DIST, 'policy.wasm'));
  const missing = hostBuiltins(await loadPolicy(wasm)).filter((b) => !HOST_BUILTINS.has(b));
  if (missing.length > 0) throw new Error(`uses builtins the WebAssembly runtime lacks: ${missing.join(', ')}`);
  return wasm;
}

/**
 * Which rules each kind of input meets: for every resource type a rule names, and for any other
 * type ('*'), with and without a change. Inputs that meet the same rules share an entrypoint.
 */
function routes(packages) {
  const analysed = packages.map((b) => ({ ...b, ...analysePackage(OPA, join(HERE, b.name), b.rules) }));
  for (const a of analysed) packages.find((b) => b.name === a.name).time = a.time;
  const types = new Set(analysed.flatMap((a) => Object.values(a.guards).flatMap((g) => g.types ?? [])));
  const entrypoints = [];
  const index = new Map();
  const out = { entrypoints, routes: { resource: {}, change: {} } };
  for (const change of [false, true]) {
    for (const type of [...[...types].sort(), '*']) {
      const spec = {};
      let time = false;
      for (const a of analysed) {
        const rules = a.rules.filter((r) => {
          const g = a.guards[r];
          return (g.types === null || g.types.includes(type)) && (change || !g.change);
        });
        if (rules.length === 0) continue;
        spec[a.name] = rules;
        time ||= a.time;
      }
      const key = JSON.stringify(spec);
      if (!index.has(key)) {
        index.set(key, entrypoints.length);
        entrypoints.push({ packages: spec, time });
      }
      out.routes[change ? 'change' : 'resource'][type] = index.get(key);
    }
  }
  return out;
}

/** Which of deny/warn/info the package's files define (each becomes an entrypoint). */
function rulesOf(dir) {
  const source = readdirSync(dir)
    .filter((f) => f.endsWith('.rego') && !f.endsWith('_test.rego'))
    .map((f) => readFileSync(join(dir, f), 'utf8'))
    .join('\n');
  return RULES.filter((r) => new RegExp(`^${r}\\s+contains\\b`, 'm').test(source));
}

/** Names of the builtins the compiled module calls back into the host for. */
function hostBuiltins(policy) {
  const { exports } = policy.wasmInstance;
  const at = exports.opa_json_dump(exports.builtins());
  const bytes = new Uint8Array(policy.mem.buffer);
  let end = at;
  while (bytes[end] !== 0) end++;
  return Object.keys(JSON.parse(Buffer.from(bytes.subarray(at, end)).toString('utf8')));
}
