/**
 * The messages the playground shows (errors, warnings, notes), each with its buttons. One
 * message per title: telling the same thing again replaces it. Plain data; the controller
 * asks for a render after each change.
 */
import type { MessageAction } from './events.ts';

export interface AppMessage {
  id: number;
  kind: 'error' | 'warning' | 'info';
  title: string;
  text: string;
  actions: MessageAction[];
}

export class MessageList {
  items: readonly AppMessage[] = [];
  private nextId = 0;

  /** Shows a message (replacing one with the same title). */
  notify(kind: AppMessage['kind'], title: string, text: string, actions: MessageAction[]): void {
    this.items = [
      ...this.items.filter((m) => m.title !== title),
      { id: ++this.nextId, kind, title, text, actions },
    ];
  }

  dismiss(id: number): void {
    this.items = this.items.filter((m) => m.id !== id);
  }

  /** Removes the messages of the given kinds (all when none given). */
  clear(...kinds: AppMessage['kind'][]): void {
    this.items = kinds.length ? this.items.filter((m) => !kinds.includes(m.kind)) : [];
  }
}
