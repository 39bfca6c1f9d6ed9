/**
 * What we tell others we are and can do (XEP-0030 §3.1): identities, features and XEP-0128
 * extension forms, contributed by the XEP modules as they register. XEP-0115 builds its hash
 * from the same data, so what we advertise and what we hash can never differ.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';

export const NS_DATA_FORMS = 'jabber:x:data';

export interface DiscoIdentity {
  readonly category: string;
  readonly type: string;
  readonly name?: string;
  readonly lang?: string;
}

/**
 * A XEP-0128 extension: a XEP-0004 form of type 'result' whose hidden FORM_TYPE field names what
 * it describes (XEP-0068), as plain data so that it can be cached, compared and hashed.
 */
export interface DiscoForm {
  readonly formType: string;
  /** Every field but FORM_TYPE. */
  readonly fields: readonly DiscoFormField[];
}
export interface DiscoFormField {
  readonly var: string;
  readonly type?: string;
  readonly values: readonly string[];
}

export interface DiscoRegistry {
  addFeature(ns: string): Disposer;
  addIdentity(identity: DiscoIdentity): Disposer;
  /**
   * Adds a XEP-0128 form to our disco#info answer (and so to our XEP-0115 hash). A function is
   * read on every answer; when what it returns changes, dispose and add again so that the caps
   * hash is recomputed and re-announced.
   */
  addExtension(form: DiscoForm | (() => DiscoForm | Element)): Disposer;
  features(): readonly string[];
  identities(): readonly DiscoIdentity[];
  /** The extension forms as `<x xmlns='jabber:x:data' type='result'>` elements. */
  extensions(): readonly Element[];
  /** The same forms as data (elements that have no hidden FORM_TYPE are left out). */
  extensionForms(): readonly DiscoForm[];
  /** Called whenever what we advertise changes (XEP-0115 re-sends presence). */
  onDidChange(cb: () => void): Disposer;
}

export function createDiscoRegistry(): DiscoRegistry {
  const features = new Map<string, number>();
  const identities = new Set<DiscoIdentity>();
  const extensions = new Set<DiscoForm | (() => DiscoForm | Element)>();
  const read = (f: DiscoForm | (() => DiscoForm | Element)): DiscoForm | Element => (typeof f === 'function' ? f() : f);
  const changes = createEmitter<void>();
  const changed = (): void => {
    changes.emit();
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
    extensions: () =>
      [...extensions].map((f) => {
        const form = read(f);
        return 'formType' in form ? formElement(form) : form;
      }),
    extensionForms: () =>
      [...extensions].flatMap((f) => {
        const form = read(f);
        if ('formType' in form) return [form];
        const parsed = parseExtensionForm(form);
        return parsed.kind === 'form' ? [parsed.form] : [];
      }),
    onDidChange: changes.on,
  };
}

/** Renders a form for a disco#info answer (XEP-0128 §2: type 'result', FORM_TYPE hidden). */
export function formElement(form: DiscoForm): Element {
  return xml(
    'x',
    { xmlns: NS_DATA_FORMS, type: 'result' },
    xml('field', { var: 'FORM_TYPE', type: 'hidden' }, xml('value', {}, form.formType)),
    ...form.fields.map((f) => xml('field', { var: f.var, ...(f.type ? { type: f.type } : {}) }, ...f.values.map((v) => xml('value', {}, v)))),
  );
}

export type ExtensionFormParse =
  | { readonly kind: 'form'; readonly form: DiscoForm }
  /** XEP-0115 §5.4 3.6: no FORM_TYPE, or one that is not hidden: the form is skipped. */
  | { readonly kind: 'ignored'; readonly reason: string }
  /** XEP-0115 §5.4 3.5: a FORM_TYPE with differing values makes the whole answer ill-formed. */
  | { readonly kind: 'ill-formed'; readonly reason: string };

/** Reads one `<x xmlns='jabber:x:data'/>` of someone's disco#info answer (XEP-0128). */
export function parseExtensionForm(x: Element): ExtensionFormParse {
  const fields = x.getChildren('field');
  const formTypeFields = fields.filter((f) => f.attrs.var === 'FORM_TYPE');
  const formType = formTypeFields[0];
  if (!formType) return { kind: 'ignored', reason: 'no FORM_TYPE field' };
  const typeValues = [...new Set(formTypeFields.flatMap((f) => f.getChildren('value').map((v) => v.getText())))];
  if (formTypeFields.length > 1 || typeValues.length > 1) return { kind: 'ill-formed', reason: 'FORM_TYPE with more than one value' };
  if (formType.attrs.type !== 'hidden') return { kind: 'ignored', reason: 'FORM_TYPE is not hidden' };
  const value = typeValues[0];
  if (value === undefined) return { kind: 'ignored', reason: 'FORM_TYPE without a value' };
  return {
    kind: 'form',
    form: {
      formType: value,
      fields: fields
        .filter((f) => f !== formType && typeof f.attrs.var === 'string')
        .map((f) => ({
          var: String(f.attrs.var),
          ...(typeof f.attrs.type === 'string' ? { type: f.attrs.type } : {}),
          values: f.getChildren('value').map((v) => v.getText()),
        })),
    },
  };
}

/** The usable XEP-0128 forms of a disco#info answer (`<query/>`), in document order. */
export function parseExtensionForms(query: Element | undefined): readonly DiscoForm[] {
  return (query?.getChildren('x', NS_DATA_FORMS) ?? []).flatMap((x) => {
    const p = parseExtensionForm(x);
    return p.kind === 'form' ? [p.form] : [];
  });
}
