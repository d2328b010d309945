/**
 * The events of the inspector views (attention maps, logit lens), declared once as
 * events.ts declares the playground's: one type per event, detail typed, registered in
 * HTMLElementEventMap. They bubble and cross shadow roots.
 */

export interface InspectorEventDetails {
  /** A token of the context was selected (null: the selection was cleared). */
  'token-select': { position: number | null };
  /** A (layer, head) attention map was chosen (a thumbnail, the selects). */
  'attention-select': { layer: number; head: number };
}

export type InspectorEventName = keyof InspectorEventDetails;
export type InspectorEvent<K extends InspectorEventName> = CustomEvent<InspectorEventDetails[K]>;

export type TokenSelectEvent = InspectorEvent<'token-select'>;
export type AttentionSelectEvent = InspectorEvent<'attention-select'>;

/** Fires `type` from `target` (bubbling, composed). */
export function emitInspector<K extends InspectorEventName>(
  target: EventTarget,
  type: K,
  detail: InspectorEventDetails[K],
): void {
  target.dispatchEvent(new CustomEvent(type, { detail, bubbles: true, composed: true }));
}

declare global {
  interface HTMLElementEventMap {
    'token-select': TokenSelectEvent;
    'attention-select': AttentionSelectEvent;
  }
}
