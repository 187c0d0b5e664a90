import { spawnSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { loadConfig } from '@elava/config';
import type { Command } from 'commander';
import { paint, severity } from '../format.js';
import { CliError, EXIT, type Io } from '../io.js';
import { registerBacktest } from './backtest.js';

const buildScript = () => fileURLToPath(import.meta.resolve('@elava/policies/build.mjs'));

/** `elava policy build|test|eval|backtest`: the library as the policy service runs it. */
export function registerPolicy(program: Command, io: Io, setExit: (code: number) => void): void {
  const policy = program
    .command('policy')
    .description('compile Rego to WebAssembly, run the Rego unit tests, evaluate one input, try a library on the past');
  const configOf = () => loadConfig({ path: program.opts().config, env: io.env, cwd: io.cwd }).config;
  const dirOf = () => resolve(io.cwd, configOf().policies.path);
  const runBuild = (args: string[]) => {
    const r = spawnSync(process.execPath, [buildScript(), '--dir', dirOf(), ...args], {
      encoding: 'utf8',
      env: io.env,
      cwd: io.cwd,
    });
    if (r.error) throw new CliError(`cannot run the policy build: ${r.error.message}`);
    if (r.stdout) io.out(r.stdout.trimEnd());
    if (r.stderr) io.err(r.stderr.trimEnd());
    setExit(r.status === 0 ? EXIT.ok : EXIT.finding);
  };
  policy
    .command('build')
    .description(
      'compile every package under policies.path to WebAssembly (opa build -t wasm), refusing builtins WebAssembly lacks',
    )
    .addHelpText('after', '\nExample:\n  elava policy build')
    .action(() => runBuild([]));
  policy
    .command('test')
    .description('run the Rego unit tests (opa test); exit 1 when one fails')
    .addHelpText('after', '\nExample:\n  elava policy test')
    .action(() => runBuild(['--test']));
  policy
    .command('eval')
    .argument(
      '<input.json>',
      'an input document: {"resource": …, "previous"?: …, "change"?: …, "now": RFC 3339}; "-" reads stdin',
    )
    .description(
      'evaluate the compiled library on one input, as the policy service would; exit 1 when a deny rule fires',
    )
    .option('--json', 'the findings as JSON')
    .addHelpText(
      'after',
      '\nExamples:\n  elava policy eval bucket.json\n  elava history aws:…:s3.bucket:logs --json | jq \'{resource: .[-1].resource, now: "2026-11-22T00:00:00Z"}\' | elava policy eval -',
    )
    .action(async (file: string, o: { json?: boolean }) => {
      let input: { now?: unknown };
      try {
        input = JSON.parse(readFileSync(file === '-' ? 0 : resolve(io.cwd, file), 'utf8'));
      } catch (err) {
        throw new CliError(`cannot read the input ${file}: ${(err as Error).message}`);
      }
      if (typeof input !== 'object' || input === null) throw new CliError(`the input ${file} is not a JSON object`);
      // Loaded when evaluating, so that every other command starts without the policy engine.
      const { PolicySet, policyData, readCompiled } = await import('@elava/policy');
      const { problems, ...library } = readCompiled(dirOf());
      for (const p of problems) io.err(`elava: ${p}`);
      if (library.packages.length === 0) throw new CliError('no compiled policies: run `elava policy build`');
      let data: unknown;
      try {
        data = policyData(configOf());
      } catch (err) {
        throw new CliError((err as Error).message);
      }
      const set = await PolicySet.load(library, data);
      const r = set.evaluate({ now: new Date().toISOString(), ...input } as never);
      const failures = [...set.failures, ...r.failures];
      if (o.json || program.opts().json) io.out(JSON.stringify({ findings: r.findings, failures }));
      else {
        if (r.findings.length === 0) io.out(paint(io, 'green', 'no findings'));
        for (const f of r.findings)
          io.out(
            `${severity(io, f.severity.padEnd(8))} ${f.package} ${f.rule}: ${f.msg}${f.suggestion ? paint(io, 'dim', ` — ${f.suggestion}`) : ''}`,
          );
        for (const f of failures) io.err(`elava: ${f.package} failed: ${f.error}`);
      }
      setExit(r.findings.some((f) => f.rule === 'deny') || failures.length > 0 ? EXIT.finding : EXIT.ok);
    });
  registerBacktest(policy, program, io, setExit);
}
