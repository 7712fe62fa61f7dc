// The events main sends the renderer, as one typed emitter. The ipcMain binding forwards every event to the
// window; the end-to-end bridge forwards them to its WebSocket; tests listen directly.
import type { EventChannel, Events } from '../../shared/ipc-contract';

export type AnyEventListener = <E extends EventChannel>(channel: E, payload: Events[E]) => void;

/** What services need to emit events. */
export interface EventSink {
  emit<E extends EventChannel>(channel: E, payload: Events[E]): void;
}

export class EventBus implements EventSink {
  private readonly listeners = new Map<EventChannel, Set<(payload: never) => void>>();
  private readonly anyListeners = new Set<AnyEventListener>();

  emit<E extends EventChannel>(channel: E, payload: Events[E]): void {
    for (const listener of this.listeners.get(channel) ?? []) (listener as (p: Events[E]) => void)(payload);
    for (const listener of this.anyListeners) listener(channel, payload);
  }

  on<E extends EventChannel>(channel: E, listener: (payload: Events[E]) => void): () => void {
    let set = this.listeners.get(channel);
    if (!set) this.listeners.set(channel, (set = new Set()));
    const entry = listener as (payload: never) => void;
    set.add(entry);
    return () => void set.delete(entry);
  }

  /** Every event, in the order emitted: what a transport binding subscribes to. */
  onAny(listener: AnyEventListener): () => void {
    this.anyListeners.add(listener);
    return () => void this.anyListeners.delete(listener);
  }
}
