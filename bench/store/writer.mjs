// Child for the reopen-after-SIGKILL figure: keeps writing until killed.
import { Store } from '@elava/store';
import { doc } from './docs.mjs';
import { scopeOf } from './run-store.mjs';

const store = await Store.open(process.argv[2]);
for (let b = 0; ; b++) {
  const batch = [];
  for (let k = 0; k < 1000; k++) batch.push(doc('ec2.instance', k, 100 + b));
  await store.applyScan(`w-${process.pid}-${b}`, scopeOf('ec2.instance'), batch, { withDocuments: false });
  if (b === 0) process.stdout.write('writing\n');
}
