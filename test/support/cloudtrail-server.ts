import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';

/**
 * A local stand-in for CloudTrail's LookupEvents, answering in the documented JSON shape
 * (awsJson1_1, "LookupEvents" in the CloudTrail API Reference): moto does not implement
 * LookupEvents (it answers 500), and no other real component can answer it here. It pages
 * (NextToken), and throttles on demand (400 ThrottlingException), as CloudTrail does.
 */

export interface TrailEvent {
  /** The CloudTrail record the event carries (its `CloudTrailEvent`, a JSON string on the wire). */
  record: Record<string, unknown>;
  /** The names LookupEvents matches with ResourceName. */
  resources: string[];
}

export interface LookupRequest {
  at: number;
  body: {
    LookupAttributes?: { AttributeKey: string; AttributeValue: string }[];
    StartTime?: number;
    EndTime?: number;
    MaxResults?: number;
    NextToken?: string;
  };
  throttled: boolean;
}

export async function startCloudTrailServer(o: { pageSize?: number } = {}) {
  const events: TrailEvent[] = [];
  const requests: LookupRequest[] = [];
  let throttleNext = 0;
  const server: Server = createServer((req, res) => {
    let raw = '';
    req.on('data', (c) => {
      raw += c;
    });
    req.on('end', () => {
      const target = String(req.headers['x-amz-target'] ?? '');
      if (!target.endsWith('.LookupEvents')) {
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'UnknownOperationException', message: target }));
        return;
      }
      const body = JSON.parse(raw || '{}') as LookupRequest['body'];
      const throttled = throttleNext > 0;
      requests.push({ at: Date.now(), body, throttled });
      if (throttled) {
        throttleNext--;
        res.writeHead(400, { 'content-type': 'application/x-amz-json-1.1' });
        res.end(JSON.stringify({ __type: 'ThrottlingException', message: 'Rate exceeded' }));
        return;
      }
      const name = body.LookupAttributes?.find((a) => a.AttributeKey === 'ResourceName')?.AttributeValue;
      const from = (body.StartTime ?? 0) * 1000;
      const to = (body.EndTime ?? Number.POSITIVE_INFINITY) * 1000;
      // Newest first, as CloudTrail answers.
      const hits = events
        .filter((e) => (!name || e.resources.includes(name)) && inWindow(e.record, from, to))
        .sort((a, b) => Date.parse(String(b.record.eventTime)) - Date.parse(String(a.record.eventTime)));
      const size = Math.min(body.MaxResults ?? 50, o.pageSize ?? 50);
      const start = body.NextToken ? Number(body.NextToken) : 0;
      const page = hits.slice(start, start + size);
      res.writeHead(200, { 'content-type': 'application/x-amz-json-1.1' });
      res.end(
        JSON.stringify({
          Events: page.map((e) => ({
            EventId: e.record.eventID,
            EventName: e.record.eventName,
            ReadOnly: String(e.record.readOnly ?? false),
            EventTime: Date.parse(String(e.record.eventTime)) / 1000,
            EventSource: e.record.eventSource,
            Username: (e.record.userIdentity as { userName?: string } | undefined)?.userName,
            Resources: e.resources.map((r) => ({ ResourceName: r })),
            CloudTrailEvent: JSON.stringify(e.record),
          })),
          ...(start + size < hits.length ? { NextToken: String(start + size) } : {}),
        }),
      );
    });
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    events,
    requests,
    /** The next `n` calls answer ThrottlingException. */
    throttle(n: number) {
      throttleNext = n;
    },
    close: () => new Promise<void>((r) => server.close(() => r())),
  };
}

function inWindow(record: Record<string, unknown>, from: number, to: number): boolean {
  const t = Date.parse(String(record.eventTime));
  return t >= from && t <= to;
}
