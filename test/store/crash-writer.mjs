// Child process for the crash test: writes batches as fast as it can and says which were
// acknowledged, until it is killed. Usage: node crash-writer.mjs <dir> <run> <seed>
import { Store } from '@elava/store';

const [dir, run, seedText] = process.argv.slice(2);
let seed = Number(seedText);
const random = () => {
  seed = (seed * 1103515245 + 12345) % 2147483648;
  return seed / 2147483648;
};
const account = '123456789012';
const scope = { account, region: 'us-east-1', type: 'ec2.instance' };

function resource(n, batch) {
  const native = `i-${String(n).padStart(6, '0')}`;
  return {
    id: `aws:${account}:us-east-1:ec2.instance:${native}`,
    provider: 'aws',
    account,
    region: 'us-east-1',
    type: 'ec2.instance',
    native_id: native,
    name: `n${n}`,
    status: 'running',
    tags: { batch },
    attributes: {
      instance_type: 't3.micro',
      state: 'running',
      security_group_ids: [],
      pad: 'x'.repeat(Math.floor(random() * 1500)),
    },
  };
}

const store = await Store.open(dir, { segmentBytes: 64 * 1024, checkpointEvery: 7 });
process.stdout.write(`open ${store.revision}\n`);
for (let i = 0; ; i++) {
  const batch = `r${run}-b${i}`;
  const size = 1 + Math.floor(random() * 40);
  const first = Math.floor(random() * 200);
  const docs = Array.from({ length: size }, (_, k) => resource((first + k) % 200, batch));
  process.stdout.write(`begin ${batch} ${size}\n`);
  const result = await store.applyScan(batch, scope, docs, { withDocuments: false });
  const [entry] = await store.appendAudit({
    type: 'observed',
    resource_id: '',
    revision: result.revision,
    data: { batch, size },
  });
  process.stdout.write(`ack ${batch} ${result.revision} ${entry.seq} ${first} ${size}\n`);
  if (result.revision % 20 === 0) {
    store.compact(store.revision - 10).catch((err) => process.stdout.write(`compact-error ${err.message}\n`));
  }
}
