/**
 * What we tell others we are and can do (XEP-0030 §3.1): identities, features and XEP-0128
 * extension forms, contributed by the XEP modules as they register. XEP-0115 builds its hash
 * from the same data, so what we advertise and what we hash can never differ.
 */
import type { Element } from '@xmpp/xml';
import type { Disposer } from '../../../../shared/util/disposable';

export interface DiscoIdentity {
  readonly category: string;
  readonly type: string;
  readonly name?: string;
  readonly lang?: string;
}

export interface DiscoRegistry {
  addFeature(ns: string): Disposer;
  addIdentity(identity: DiscoIdentity): Disposer;
  /** A XEP-0128 data form (`<x xmlns='jabber:x:data' type='result'>` with a FORM_TYPE). */
  addExtension(form: () => Element): Disposer;
  features(): readonly string[];
  identities(): readonly DiscoIdentity[];
  extensions(): readonly Element[];
  /** Called whenever what we advertise changes (XEP-0115 re-sends presence). */
  onDidChange(cb: () => void): Disposer;
}

export function createDiscoRegistry(): DiscoRegistry {
  const features = new Map<string, number>();
  const identities = new Set<DiscoIdentity>();
  const extensions = new Set<() => Element>();
  const changes = new Set<() => void>();
  const changed = (): void => {
    for (const cb of [...changes]) cb();
  };
  return {
    addFeature(ns) {
      features.set(ns, (features.get(ns) ?? 0) + 1);
      changed();
      return () => {
        const n = (features.get(ns) ?? 1) - 1;
        if (n <= 0) features.delete(ns);
        else features.set(ns, n);
        changed();
      };
    },
    addIdentity(identity) {
      identities.add(identity);
      changed();
      return () => {
        identities.delete(identity);
        changed();
      };
    },
    addExtension(form) {
      extensions.add(form);
      changed();
      return () => {
        extensions.delete(form);
        changed();
      };
    },
    features: () => [...features.keys()].sort(),
    identities: () => [...identities],
    extensions: () => [...extensions].map((f) => f()),
    onDidChange(cb) {
      changes.add(cb);
      return () => {
        changes.delete(cb);
      };
    },
  };
}
