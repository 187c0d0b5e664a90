import type { Delta, PublishedChange } from '@elava/types';
import { describe, expect, it } from 'vitest';
import { changeJson } from './wire.js';

describe('changeJson', () => {
  // Sorted keys as the store records them, with a tag key stringify would move to the front.
  const currentJson = '{"id":"aws:1:r:ec2.vpc:vpc-1","tags":{"10":"x","9":"y","Name":"a"},"type":"ec2.vpc"}';
  const previousJson = '{"id":"aws:1:r:ec2.vpc:vpc-1","tags":{"Name":"b"},"type":"ec2.vpc"}';
  // changeJson reads only the two documents of a delta.
  const delta = {
    id: 'aws:1:r:ec2.vpc:vpc-1',
    kind: 'modified',
    current_json: currentJson,
    previous_json: previousJson,
  } as unknown as Delta;
  const change = {
    id: 'chg_1',
    type: 'tag_drift',
    resource_id: delta.id,
    previous: JSON.parse(previousJson),
    current: JSON.parse(currentJson),
    diff: [{ path: 'tags.Name', before: 'b', after: 'a' }],
    severity: 'info',
  } as unknown as PublishedChange;

  it('splices in the recorded documents verbatim: the same JSON value as the parsed change', () => {
    const text = changeJson(change, delta);
    expect(text).toContain(`"current":${currentJson}`);
    expect(text).toContain(`"previous":${previousJson}`);
    expect(JSON.parse(text)).toEqual(JSON.parse(JSON.stringify(change)));
  });

  it('writes a missing document as null, and leaves the change as it was', () => {
    const gone = { ...change, type: 'disappeared', current: null } as unknown as PublishedChange;
    const parsed = JSON.parse(changeJson(gone, { ...delta, current_json: undefined }));
    expect(parsed.current).toBeNull();
    expect(parsed.previous).toEqual(JSON.parse(previousJson));
    expect(gone.previous).toEqual(JSON.parse(previousJson));
    // A document the delta did not carry is stringified from the change.
    expect(JSON.parse(changeJson(change, { ...delta, previous_json: undefined }))).toEqual(
      JSON.parse(JSON.stringify(change)),
    );
  });
});
