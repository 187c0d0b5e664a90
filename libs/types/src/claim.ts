/**
 * A lease on one resource held by one executor. Only the holder of `token` may renew or
 * release it; an executor that dies leaves it to expire.
 */
export interface Claim {
  resource_id: string;
  owner: string;
  token: string;
  /** Epoch milliseconds. */
  expires_at: number;
  decision_id?: string;
}
