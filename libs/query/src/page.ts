import { type Cursor, encodeCursor } from './cursor.js';

/**
 * Builds a page as JSON text, item by item, stopping at the item limit or the byte budget
 * (a NATS message has a maximum size), whichever comes first. Items arrive already serialized,
 * so a stored document goes out as it was stored, never parsed and re-encoded.
 */
export class PageBuilder {
  private readonly items: string[] = [];
  private bytes = 0;
  private next: Cursor | undefined;

  constructor(
    private readonly limit: number,
    private readonly budget: number,
  ) {}

  /** Adds one item; false when the page is full (the item was not added; `resume` says where to go on). */
  add(json: string, resume: Cursor): boolean {
    if (this.items.length >= this.limit || (this.items.length > 0 && this.bytes + json.length > this.budget)) {
      this.next = resume;
      return false;
    }
    this.items.push(json);
    this.bytes += json.length + 1;
    return true;
  }

  get full(): boolean {
    return this.next !== undefined;
  }

  /** Marks more items remaining without having built the one past the end. */
  more(resume: Cursor): void {
    this.next = resume;
  }

  toJSON(head: Record<string, unknown>): string {
    const fields = Object.entries(head).map(([k, v]) => `${JSON.stringify(k)}:${JSON.stringify(v)}`);
    const cursor = this.next ? JSON.stringify(encodeCursor(this.next)) : 'null';
    return `{${fields.join(',')}${fields.length ? ',' : ''}"items":[${this.items.join(',')}],"next_cursor":${cursor}}`;
  }
}
