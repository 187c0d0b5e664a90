import { userInfo } from 'node:os';
import { connectNats, subjects } from '@elava/bus';
import { loadConfig } from '@elava/config';
import type { Command } from 'commander';
import { CliError, EXIT, type Io } from '../io.js';

interface Answer {
  ok: boolean;
  error?: string;
  decision?: { id: string; action: string; resource: { id: string }; reason: string };
}

export function registerApprove(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('approve')
    .argument('<decision-id>', 'the decision whose write waits for approval (behavior.require_approval)')
    .description('approve one write the executor holds for approval; it is carried out at once')
    .option('--by <name>', 'who approves, for the audit trail (default: your user name)')
    .option('--timeout <seconds>', 'how long to wait for an executor to answer', '10')
    .option('--json', 'machine-readable answer')
    .addHelpText(
      'after',
      '\nExamples:\n  elava approve 3f9c2a…            # the id from the awaiting_approval entry or the decision\n  elava approve 3f9c2a… --by alice',
    )
    .action(async (id: string, o: { by?: string; timeout: string; json?: boolean }) => {
      if (!/^[A-Za-z0-9_-]+$/.test(id)) throw new CliError(`${JSON.stringify(id)} is not a decision id`);
      const timeout = Number(o.timeout) * 1000;
      if (!Number.isFinite(timeout) || timeout <= 0)
        throw new CliError(`--timeout takes seconds, not ${JSON.stringify(o.timeout)}`);
      const { config } = loadConfig({ path: program.opts().config, env: io.env, cwd: io.cwd });
      const by = o.by ?? io.env.USER ?? userInfo().username;
      let nc: Awaited<ReturnType<typeof connectNats>>;
      try {
        nc = await connectNats(config.nats.url, 'elava-cli');
      } catch (err) {
        throw new CliError(`cannot reach NATS at ${config.nats.url}: ${(err as Error).message}`);
      }
      let answer: Answer;
      try {
        answer = (await nc.request(subjects.approval(id), JSON.stringify({ by }), { timeout })).json() as Answer;
      } catch (err) {
        throw new CliError(
          `no executor answered the approval of ${id} (${(err as Error).message}); is the executor running?`,
        );
      } finally {
        await nc.close();
      }
      if (o.json || program.opts().json) io.out(JSON.stringify(answer));
      else if (answer.ok && answer.decision)
        io.out(
          `approved by ${by}: ${answer.decision.action} on ${answer.decision.resource.id} (${answer.decision.reason})`,
        );
      else io.err(`elava: ${answer.error ?? 'refused'}`);
      setExit(answer.ok ? EXIT.ok : EXIT.finding);
    });
}
