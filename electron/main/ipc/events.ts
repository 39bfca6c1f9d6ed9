import { eventSchemas, type EventName, type EventPayload } from '../../../shared/ipc';
import type { Disposer } from '../../../shared/util/disposable';

export type EventSink = <K extends EventName>(name: K, payload: EventPayload<K>) => void;

export interface EventHub {
  /** Emitted by the core; delivered to every transport (Electron window, browser-host sockets). */
  readonly emit: EventSink;
  subscribe(sink: EventSink): Disposer;
}

/**
 * `validate` re-checks every outgoing payload against the contract. Tests and the browser host
 * turn it on to catch a core that drifts from the contract; the shipped app leaves it off
 * because the payloads are built by typed code and floods must stay cheap.
 */
export function createEventHub(options: { readonly validate: boolean }): EventHub {
  const sinks = new Set<EventSink>();
  const emit: EventSink = (name, payload) => {
    if (options.validate) eventSchemas[name].parse(payload);
    for (const sink of [...sinks]) sink(name, payload);
  };
  return {
    emit,
    subscribe(sink) {
      sinks.add(sink);
      return () => {
        sinks.delete(sink);
      };
    },
  };
}
