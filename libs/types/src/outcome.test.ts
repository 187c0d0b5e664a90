import { describe, expect, it } from 'vitest';
import { outcomeText } from './outcome.js';

describe('outcomeText', () => {
  it('says in words what the notifier and the executor did, as `elava why` and the UI show it', () => {
    expect(outcomeText({ type: 'executed', data: { via: 'slack', channel: '#ops', digest: 3 } })).toBe(
      'posted to Slack #ops (digest of 3)',
    );
    expect(outcomeText({ type: 'executed', data: { calls: [{ operation: 'CreateTags', request_id: 'r-1' }] } })).toBe(
      'executed: CreateTags (request r-1)',
    );
    expect(outcomeText({ type: 'executed', data: {} })).toBe('executed (nothing to change)');
    expect(outcomeText({ type: 'skipped', data: { reason: 'dry_run', calls: [{ operation: 'CreateTags' }] } })).toBe(
      'skipped: dry_run (would call CreateTags)',
    );
    expect(outcomeText({ type: 'approved', data: { by: 'ana' } })).toBe('approved by ana');
    expect(outcomeText({ type: 'scan_started', data: {} })).toBe('scan_started');
  });
});
