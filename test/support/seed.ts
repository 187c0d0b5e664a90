import { CreateDBInstanceCommand, RDSClient } from '@aws-sdk/client-rds';

export { seedRegion } from '@elava/demo';

/** Puts moto back to its empty state (default VPCs and AMIs only). */
export async function resetMoto(endpoint: string): Promise<void> {
  const res = await fetch(new URL('/moto-api/reset', endpoint), { method: 'POST' });
  if (!res.ok) throw new Error(`moto reset answered ${res.status}`);
}

/** Many small DB instances, for pagination: moto pages RDS answers but not EC2's. */
export async function seedDbInstances(endpoint: string, region: string, count: number): Promise<string[]> {
  const rds = new RDSClient({ region, endpoint, credentials: { accessKeyId: 'testing', secretAccessKey: 'testing' } });
  const ids: string[] = [];
  try {
    for (let i = 0; i < count; i++) {
      const id = `bulk-${String(i).padStart(3, '0')}`;
      await rds.send(
        new CreateDBInstanceCommand({
          DBInstanceIdentifier: id,
          DBInstanceClass: 'db.t3.micro',
          Engine: 'postgres',
          AllocatedStorage: 20,
          MasterUsername: 'admin',
          MasterUserPassword: 'password123',
        }),
      );
      ids.push(id);
    }
  } finally {
    rds.destroy();
  }
  return ids;
}
