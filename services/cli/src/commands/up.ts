import { DeliverPolicy, ensureStreams, jetstream } from '@elava/bus';
import type { Decision } from '@elava/types';
import type { Command } from 'commander';
import { discoverServices, onStopSignals, type Running, startService, stopAll, wanted } from '../cluster.js';
import { native, paint, severity, shortReason } from '../format.js';
import { CliError, type Io } from '../io.js';
import { type Cluster, connectCluster } from '../remote.js';

/**
 * `elava up`: every service as its own process, decisions printed as they arrive. Ctrl-C, or
 * SIGTERM/SIGINT/SIGHUP sent to this process alone (systemd, Docker, a process manager, `npm start`
 * passing a stop on), stops every service and exits 0, at any moment, start-up included.
 */
export function registerUp(program: Command, io: Io, setExit: (code: number) => void): void {
  program
    .command('up')
    .description(
      'run every Elava service as its own process (Redis, NATS and AWS must be reachable); print decisions as they arrive',
    )
    .option('--demo', 'also run the demo estate and its churn (moto only)')
    .option('--logs', "show the services' JSON logs too (otherwise only warnings and errors)")
    .addHelpText(
      'after',
      '\nExamples:\n  elava up                # what npm start runs after set-up\n  elava up --demo --logs',
    )
    .action(async (o: { demo?: boolean; logs?: boolean }) => {
      const services = discoverServices().filter((s) => o.demo || !s.demo);
      if (services.length === 0) throw new CliError('no built services: run `npm run build`');
      const env = { ...io.env, ...(program.opts().config ? { ELAVA_CONFIG: program.opts().config } : {}) };
      const running: Running[] = [];
      let stopping = false;
      let stopped!: () => void;
      const done = new Promise<void>((resolve) => {
        stopped = resolve;
      });
      const stop = (code: number) => {
        // Once: a second signal (Ctrl-C at a terminal reaches `npm start` too, which passes it on)
        // changes nothing; a service that does not stop is killed after stopAll's grace period.
        if (stopping) return;
        stopping = true;
        io.out(paint(io, 'dim', '\nstopping …'));
        void stopAll(running).then(() => {
          setExit(code);
          stopped();
        });
      };
      // Before anything starts and across every await below: a signal's default action would end
      // this process and leave the services, in process groups of their own, running.
      const offSignals = onStopSignals(() => stop(0));
      let cluster: Cluster | undefined;
      try {
        // The configuration and NATS first: a bad file or an unreachable NATS starts nothing.
        cluster = await connectCluster(program, io).catch((err: Error) => {
          if (stopping) return undefined;
          throw err;
        });
        if (stopping || !cluster) return await done;

        const print = (line: string) => {
          // The services log JSON; without --logs only what needs a person's eye comes through.
          const level = /"level":"?(\w+)/.exec(line)?.[1];
          const loud = !level || ['warn', 'error', 'fatal', '40', '50', '60'].includes(level);
          if (o.logs || loud || /churn: /.test(line)) io.out(paint(io, 'dim', line));
        };
        let seeded = () => {};
        const estate = new Promise<void>((resolve) => {
          seeded = resolve;
        });
        const launch = (list: typeof services) => {
          for (const svc of list)
            for (let i = 0; i < svc.instances; i++) {
              const r = startService(svc, i, env, (line) => {
                if (/"msg":"demo (churn running|estate ready)/.test(line)) seeded();
                print(line);
              });
              running.push(r);
              r.child.on('exit', (code, signal) => {
                if (stopping) return;
                io.err(paint(io, 'red', `${r.label} exited (${signal ?? code}); stopping`));
                stop(1);
              });
            }
        };
        // The demo estate is seeded before anything scans it: a first scan that raced the seeding
        // would report half the estate as having appeared since, and a second run would differ.
        const demo = services.filter((s) => s.demo);
        if (demo.length > 0) {
          io.out(paint(io, 'dim', 'seeding the demo estate in moto …'));
          launch(demo);
          await Promise.race([estate, done]);
          if (stopping) return await done;
        }
        // A service with a `when` key (events: events.enabled) runs only when the configuration says so.
        launch(services.filter((s) => !s.demo && wanted(s, cluster?.config ?? {})));
        io.out(
          `${paint(io, 'bold', 'Elava is up')}: ${running
            .map((r) => r.label)
            .sort()
            .join(', ')}`,
        );
        io.out(
          `web UI ${paint(io, 'bold', `http://${['0.0.0.0', '::'].includes(cluster.config.api.host) ? '127.0.0.1' : cluster.config.api.host}:${cluster.config.api.port}/`)}`,
        );
        io.out(
          paint(io, 'dim', 'decisions appear below as they are made; Ctrl-C stops everything this command started\n'),
        );

        const { nc } = cluster;
        void (async () => {
          // On a fresh NATS the services may not have made the streams yet: the same definitions.
          await ensureStreams(nc, undefined, { maxAgeMs: cluster.config.nats.retention });
          const consumer = await jetstream(nc).consumers.get('ELAVA_DECISIONS', {
            filter_subjects: 'elava.decisions.>',
            deliver_policy: DeliverPolicy.New,
          });
          for await (const m of await consumer.consume()) {
            const d = m.json<Decision>();
            io.out(
              `${severity(io, d.severity.padEnd(8))} ${d.action.padEnd(14)} ${native(d.resource.id).padEnd(24)} ${shortReason(d)}  ${paint(io, 'dim', `elava why ${d.id}`)}`,
            );
          }
        })().catch((err: Error) => {
          if (!stopping) io.err(`elava: stopped following decisions: ${err.message}`);
        });
        await done;
      } finally {
        offSignals();
        // Whatever ended this command, no service outlives it.
        await stopAll(running);
        await cluster?.close().catch(() => {});
      }
    });
}
