import { type AuditEntry, actorLabel, type ChangeSummary, type Decision, outcomeText } from '@elava/types';
import type { Command } from 'commander';
import { checkArgs } from '../args.js';
import { diffLine, paint, severity } from '../format.js';
import type { Io } from '../io.js';
import { withCluster } from '../remote.js';

interface Explanation {
  decision: Decision;
  decided: { seq: number; time: string };
  observation?: { revision: number; time?: string };
  change?: ChangeSummary & { recorded: { seq: number; time: string } };
  outcomes: { seq: number; type: AuditEntry['type']; time: string; data: Record<string, unknown> }[];
}

export function registerWhy(program: Command, io: Io): void {
  program
    .command('why')
    .argument('<decision-id>', 'the id of a decision (elava decisions shows them)')
    .description(
      'the chain behind a decision: observation → change → policy → decision → execution, with revisions and times',
    )
    .option('--json', 'the chain as JSON')
    .addHelpText('after', '\nExample:\n  elava why 9b1d0c3e5f…')
    .action(async (id: string, o: { json?: boolean }) => {
      checkArgs('why', { id }, { id: '<decision-id>' });
      await withCluster(program, io, async (c) => {
        const w = await c.get<Explanation>('why', { id });
        if (o.json || program.opts().json) return io.out(JSON.stringify(w));
        const d = w.decision;
        const step = (n: number, what: string, text: string) =>
          io.out(`${paint(io, 'dim', `${n}.`)} ${paint(io, 'bold', what.padEnd(11))} ${text}`);
        io.out(`${paint(io, 'bold', `decision ${d.id}`)}  ${d.resource.id}`);
        let n = 1;
        if (w.observation)
          step(
            n++,
            'observed',
            `revision ${w.observation.revision}${w.observation.time ? ` at ${w.observation.time}` : ''}`,
          );
        if (w.change) {
          step(
            n++,
            'change',
            `${w.change.type} at revision ${w.change.revision}${w.change.previous_revision ? ` (was ${w.change.previous_revision})` : ''}, recorded ${w.change.recorded.time}`,
          );
          if (w.change.actor)
            io.out(
              `               by ${actorLabel(w.change.actor)} (${w.change.actor.event_name}, ${w.change.actor.event_time}, via ${w.change.actor.via})`,
            );
          for (const f of w.change.diff) io.out(`               ${diffLine(f)}`);
        } else if (d.change) step(n++, 'change', `${d.change.type} ${d.change.id} (its entry is not in the trail)`);
        if (d.policy)
          step(
            n++,
            'policy',
            `${d.policy.package} ${d.policy.rule}: ${(d.metadata.policy_msg as string | undefined) ?? d.reason}`,
          );
        step(
          n++,
          'decision',
          `${d.action} ${severity(io, d.severity)}: ${d.reason} (revision ${d.revision}, decided ${w.decided.time})`,
        );
        if (w.outcomes.length === 0) step(n++, 'execution', paint(io, 'dim', 'nothing done with it yet'));
        for (const oc of w.outcomes) step(n++, 'execution', `${outcomeText(oc)} at ${oc.time}`);
      });
    });
}
