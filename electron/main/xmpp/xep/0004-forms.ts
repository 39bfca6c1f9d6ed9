/**
 * XEP-0004 Data Forms with XEP-0068 FORM_TYPE: `<x xmlns='jabber:x:data'>` parsed into a
 * UI-neutral readonly model, a filled form validated against that model, and the submission
 * serialised. Used by XEP-0077 registration and the MUC room configuration. Forms come from
 * servers and from other users (messages may carry them), so the parser is bounded
 * (`FormLimits`) and refuses a structurally broken form with a reason instead of guessing.
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { assertNever } from '../../../../shared/util/assert-never';
import { bareOf, fullOf, parseJid } from '../../../../shared/xmpp/jid';

export const NS_DATA = 'jabber:x:data';

/** XEP-0004 §3.3, in the table's order. */
export const FIELD_TYPES = ['boolean', 'fixed', 'hidden', 'jid-multi', 'jid-single', 'list-multi', 'list-single', 'text-multi', 'text-private', 'text-single'] as const;
export type FieldType = (typeof FIELD_TYPES)[number];
/** XEP-0004 §3.1. */
export const FORM_KINDS = ['form', 'submit', 'cancel', 'result'] as const;
export type FormKind = (typeof FORM_KINDS)[number];

export interface FieldOption {
  readonly label?: string;
  readonly value: string;
}

export interface DataField {
  /** Absent only on 'fixed' fields (§3.2). */
  readonly var?: string;
  /** text-single when the sender gave no type or one we do not know (§3.3: MUST be assumed). */
  readonly type: FieldType;
  /** Whether a 'type' attribute was given: outside type 'form' it is optional (§3.2). */
  readonly typeDeclared: boolean;
  readonly label?: string;
  readonly desc?: string;
  readonly required: boolean;
  readonly values: readonly string[];
  readonly options: readonly FieldOption[];
}

export interface DataForm {
  readonly kind: FormKind;
  readonly title?: string;
  readonly instructions: readonly string[];
  /** XEP-0068: the value of a hidden FORM_TYPE field (a FORM_TYPE of another type is not one). */
  readonly formType?: string;
  readonly fields: readonly DataField[];
  /** §3.4, result forms only: the table header and its rows. */
  readonly reported?: readonly DataField[];
  readonly items: readonly (readonly DataField[])[];
}

export interface FormLimits {
  readonly maxFields: number;
  readonly maxValuesPerField: number;
  readonly maxOptionsPerField: number;
  /** Characters of one value, label, desc, title or instruction. */
  readonly maxValueLength: number;
  readonly maxItems: number;
  /** All values, options and item fields of the whole form together. */
  readonly maxTotalValues: number;
}

export const DEFAULT_FORM_LIMITS: FormLimits = Object.freeze({
  maxFields: 256,
  maxValuesPerField: 256,
  maxOptionsPerField: 512,
  maxValueLength: 8192,
  maxItems: 1000,
  maxTotalValues: 8192,
});

export type FormParse = { readonly ok: true; readonly form: DataForm } | { readonly ok: false; readonly reason: string };

const MULTI_VALUE: ReadonlySet<FieldType> = new Set(['list-multi', 'jid-multi', 'text-multi', 'hidden']);
const isFieldType = (t: string): t is FieldType => (FIELD_TYPES as readonly string[]).includes(t);
const isFormKind = (t: string): t is FormKind => (FORM_KINDS as readonly string[]).includes(t);
// XML 1.0 §2.2: characters that cannot appear in a document at all; a value carrying one could
// not be sent back (and an attacker's form could not have carried it legitimately).
const XML_ILLEGAL = /[\u0000-\u0008\u000B\u000C\u000E-\u001F\uFFFE\uFFFF]/u;

class Refused extends Error {}

function parseFields(parent: Element, kind: FormKind, limits: FormLimits, budget: { left: number }, where: string): DataField[] {
  const els = parent.getChildren('field');
  if (els.length > limits.maxFields) throw new Refused(`${where} has ${els.length} fields (at most ${limits.maxFields})`);
  const seen = new Set<string>();
  const text = (s: string, what: string): string => {
    if (s.length > limits.maxValueLength) throw new Refused(`${what} longer than ${limits.maxValueLength} characters`);
    return s;
  };
  const attr = (el: Element, name: string, what: string): string | undefined => {
    const v = el.attrs[name] as unknown;
    return typeof v === 'string' ? text(v, what) : undefined;
  };
  return els.map((el) => {
    const declared = attr(el, 'type', 'a field type');
    const type: FieldType = declared !== undefined && isFieldType(declared) ? declared : 'text-single';
    const v = attr(el, 'var', 'a field name');
    const name = v ?? '(no var)';
    if (v === undefined && type !== 'fixed') throw new Refused(`a ${type} field in ${where} has no 'var' (XEP-0004 §3.2)`);
    if (v !== undefined && type !== 'fixed') {
      if (seen.has(v)) throw new Refused(`field '${v}' appears twice in ${where}`);
      seen.add(v);
    }
    const values = el.getChildren('value').map((x) => text(x.getText(), `a value of '${name}'`));
    if (values.length > limits.maxValuesPerField) throw new Refused(`field '${name}' has ${values.length} values (at most ${limits.maxValuesPerField})`);
    // §3.2: only multi-valued types may repeat <value/>. Outside 'form' an untyped field's real
    // type is the one of the form it answers, so the rule is only checked where it is known.
    if (values.length > 1 && !MULTI_VALUE.has(type) && (kind === 'form' || declared !== undefined)) {
      throw new Refused(`field '${name}' of type ${type} has ${values.length} values (XEP-0004 §3.2 allows one)`);
    }
    const optionEls = el.getChildren('option');
    if (optionEls.length > limits.maxOptionsPerField) throw new Refused(`field '${name}' has ${optionEls.length} options (at most ${limits.maxOptionsPerField})`);
    if (optionEls.length > 0 && type !== 'list-single' && type !== 'list-multi') throw new Refused(`field '${name}' of type ${type} has options (XEP-0004 §3.2)`);
    const options = optionEls.map((o): FieldOption => {
      const ov = o.getChildren('value');
      if (ov.length !== 1 || !ov[0]) throw new Refused(`an option of '${name}' has ${ov.length} values (XEP-0004 §3.2: exactly one)`);
      const label = attr(o, 'label', `an option label of '${name}'`);
      return { ...(label !== undefined ? { label } : {}), value: text(ov[0].getText(), `an option of '${name}'`) };
    });
    budget.left -= values.length + options.length + 1;
    if (budget.left < 0) throw new Refused(`the form holds more than ${limits.maxTotalValues} values and options`);
    for (const s of [...values, ...options.map((o) => o.value)]) if (XML_ILLEGAL.test(s)) throw new Refused(`field '${name}' contains characters XML forbids`);
    const label = attr(el, 'label', `the label of '${name}'`);
    const desc = el.getChildText('desc');
    return {
      ...(v !== undefined ? { var: v } : {}),
      type,
      typeDeclared: declared !== undefined,
      ...(label !== undefined ? { label } : {}),
      ...(desc !== null ? { desc: text(desc, `the description of '${name}'`) } : {}),
      required: el.getChild('required') !== undefined,
      values,
      options,
    };
  });
}

/** Parses `<x xmlns='jabber:x:data'>`; anything malformed or over the limits is refused with a reason. */
export function parseDataForm(x: Element, limits: FormLimits = DEFAULT_FORM_LIMITS): FormParse {
  try {
    if (!x.is('x', NS_DATA)) throw new Refused(`not a data form: <${x.name} xmlns='${String(x.attrs.xmlns)}'>`);
    const kind = String(x.attrs.type ?? '');
    if (!isFormKind(kind)) throw new Refused(`unknown form type '${kind}' (XEP-0004 §3.1)`);
    const budget = { left: limits.maxTotalValues };
    const bounded = (s: string, what: string): string => {
      if (s.length > limits.maxValueLength) throw new Refused(`${what} longer than ${limits.maxValueLength} characters`);
      return s;
    };
    const title = x.getChildText('title');
    const instructionEls = x.getChildren('instructions');
    if (instructionEls.length > limits.maxFields) throw new Refused(`${instructionEls.length} instructions`);
    const instructions = instructionEls.map((i) => bounded(i.getText(), 'an instruction'));
    const fields = parseFields(x, kind, limits, budget, 'the form');
    const reportedEls = x.getChildren('reported');
    const itemEls = x.getChildren('item');
    if (kind !== 'result' && (reportedEls.length > 0 || itemEls.length > 0)) throw new Refused(`a ${kind} form has <reported/> or <item/> (XEP-0004 §3.4: result forms only)`);
    if (reportedEls.length > 1) throw new Refused('more than one <reported/> (XEP-0004 §3.4)');
    if (itemEls.length > limits.maxItems) throw new Refused(`${itemEls.length} items (at most ${limits.maxItems})`);
    const reportedEl = reportedEls[0];
    const reported = reportedEl ? parseFields(reportedEl, kind, limits, budget, '<reported/>') : undefined;
    const items = itemEls.map((it, i) => parseFields(it, kind, limits, budget, `item ${i + 1}`));
    // XEP-0068 §3 ("Incorrectly Specified FORM_TYPE"): only a hidden FORM_TYPE gives the context.
    // A submission may leave field types out (XEP-0004 §3.2, XEP-0068's own IQ example does), so
    // there an untyped FORM_TYPE counts too; an explicitly non-hidden one never does.
    const ft = fields.find((f) => f.var === 'FORM_TYPE' && (f.type === 'hidden' || (!f.typeDeclared && kind !== 'form')));
    const formType = ft?.values[0];
    return {
      ok: true,
      form: {
        kind,
        ...(title !== null ? { title: bounded(title, 'the title') } : {}),
        instructions,
        ...(formType !== undefined ? { formType } : {}),
        fields,
        ...(reported ? { reported } : {}),
        items,
      },
    };
  } catch (e: unknown) {
    if (e instanceof Refused) return { ok: false, reason: e.message };
    return { ok: false, reason: `unreadable data form: ${e instanceof Error ? e.message : String(e)}` };
  }
}

/**
 * The first data form among `parent`'s children, or with a `formType` the first readable form of
 * that FORM_TYPE (an unreadable form has no FORM_TYPE one could trust).
 */
export function findDataForm(parent: Element | undefined, formType?: string, limits?: FormLimits): FormParse | undefined {
  for (const x of parent?.getChildren('x', NS_DATA) ?? []) {
    const r = parseDataForm(x, limits);
    if (formType === undefined || (r.ok && r.form.formType === formType)) return r;
  }
  return undefined;
}

/** Values of a (result or submitted) form by field name; fixed fields are left out. */
export function formValues(form: Pick<DataForm, 'fields'>): ReadonlyMap<string, readonly string[]> {
  return new Map(form.fields.flatMap((f) => (f.var !== undefined && f.type !== 'fixed' ? [[f.var, f.values] as const] : [])));
}

/** XEP-0004 §3.3 note: the lexical forms of a boolean; undefined for anything else. */
export function parseBoolean(value: string | undefined): boolean | undefined {
  switch (value?.trim()) {
    case '1':
    case 'true':
      return true;
    case '0':
    case 'false':
      return false;
    default:
      return undefined;
  }
}

/** What the user filled in, by field name: a boolean for boolean fields, strings otherwise. */
export type FormAnswers = Readonly<Record<string, boolean | string | readonly string[]>>;

export interface FieldProblem {
  readonly var: string;
  readonly reason: string;
}

export type Submission =
  | { readonly ok: true; readonly element: Element; readonly values: ReadonlyMap<string, readonly string[]> }
  | { readonly ok: false; readonly problems: readonly FieldProblem[] };

const NEWLINE = /\r\n|\r|\n/;

/** One field's submitted values, normalised, or the reason they are not acceptable. */
function checkField(f: DataField, answer: FormAnswers[string] | undefined, limits: FormLimits): readonly string[] | string {
  const given = answer === undefined ? undefined : typeof answer === 'boolean' ? [answer ? '1' : '0'] : typeof answer === 'string' ? [answer] : [...answer];
  let values = given ?? f.values;
  if (values.length > limits.maxValuesPerField) return `at most ${limits.maxValuesPerField} values`;
  for (const v of values) {
    if (v.length > limits.maxValueLength) return `a value is longer than ${limits.maxValueLength} characters`;
    if (XML_ILLEGAL.test(v)) return 'a value contains characters XML forbids';
  }
  switch (f.type) {
    case 'fixed':
      return given === undefined ? [] : 'a fixed field is text, not a question';
    case 'hidden':
      // §3.3: the submitter SHOULD NOT modify a hidden value; a using protocol that wants to
      // must build its submission itself.
      return given === undefined || (given.length === f.values.length && given.every((v, i) => v === f.values[i])) ? f.values : 'a hidden field keeps the value the form gave it';
    case 'boolean': {
      values = values.filter((v) => v.trim() !== '');
      if (values.length > 1) return 'one value only';
      const b = parseBoolean(values[0] ?? '0');
      return b === undefined ? `'${values[0] ?? ''}' is not a boolean (0, 1, false, true)` : [values[0]?.trim() ?? '0'];
    }
    case 'text-single':
    case 'text-private':
      if (values.length > 1) return 'one value only';
      return values.some((v) => NEWLINE.test(v)) ? 'a single line of text, no line breaks' : values;
    case 'text-multi':
      // §3.3 note ***: lines travel as separate <value/> elements.
      values = values.flatMap((v) => v.split(NEWLINE));
      return values.length > limits.maxValuesPerField ? `at most ${limits.maxValuesPerField} lines` : values;
    case 'jid-single':
    case 'jid-multi': {
      values = values.filter((v) => v.trim() !== ''); // an empty <value/> is no answer
      if (f.type === 'jid-single' && values.length > 1) return 'one JID only';
      const out: string[] = [];
      for (const v of values) {
        const p = parseJid(v.trim());
        if (!p.ok) return `'${v}' is not a JID: ${p.reason}`;
        const { resource } = p.jid;
        const norm: string = resource !== undefined ? fullOf({ ...p.jid, resource }) : bareOf(p.jid);
        if (!out.includes(norm)) out.push(norm); // §3.3: duplicate JIDs MUST be ignored
      }
      return out;
    }
    case 'list-single':
    case 'list-multi': {
      values = values.filter((v) => v !== '');
      if (f.type === 'list-single' && values.length > 1) return 'one choice only';
      const allowed = new Set(f.options.map((o) => o.value));
      const bad = values.find((v) => !allowed.has(v));
      // §3.3: the submitter MUST NOT insert new options.
      return bad === undefined ? [...new Set(values)] : `'${bad}' is not one of the options`;
    }
    default:
      return assertNever(f.type, 'field type');
  }
}

/**
 * Validates `answers` against a form of type 'form' and builds the 'submit' form (§3.1): every
 * field of the form except fixed ones, with the answer or else the form's default (a submission
 * should include all fields, XEP-0004 §3.2). Unknown names, bad values and missing required
 * answers are all reported at once.
 */
export function buildSubmission(form: DataForm, answers: FormAnswers, limits: FormLimits = DEFAULT_FORM_LIMITS): Submission {
  const problems: FieldProblem[] = [];
  if (form.kind !== 'form') return { ok: false, problems: [{ var: '', reason: `a ${form.kind} form cannot be filled in` }] };
  const byVar = new Map(form.fields.flatMap((f) => (f.var !== undefined && f.type !== 'fixed' ? [[f.var, f] as const] : [])));
  for (const name of Object.keys(answers)) {
    if (!byVar.has(name)) problems.push({ var: name, reason: 'not a field of this form' });
  }
  const values = new Map<string, readonly string[]>();
  for (const [name, f] of byVar) {
    const r = checkField(f, Object.prototype.hasOwnProperty.call(answers, name) ? answers[name] : undefined, limits);
    if (typeof r === 'string') problems.push({ var: name, reason: r });
    else if (f.required && f.type !== 'boolean' && r.every((v) => v.trim() === '')) problems.push({ var: name, reason: 'required' });
    else values.set(name, f.type === 'boolean' && r.length === 0 ? ['0'] : r);
  }
  if (problems.length > 0) return { ok: false, problems };
  const element = xml(
    'x',
    { xmlns: NS_DATA, type: 'submit' },
    ...[...values].map(([name, vs]) => {
      const f = byVar.get(name);
      return xml('field', { var: name, ...(f?.typeDeclared ? { type: f.type } : {}) }, ...vs.map((v) => xml('value', {}, v)));
    }),
  );
  return { ok: true, element, values };
}

/** §3.1: the submitter declines to fill in the form. */
export function cancelForm(): Element {
  return xml('x', { xmlns: NS_DATA, type: 'cancel' });
}

/** Serialises a model back to XML (any kind): for forms we offer, and for tests. */
export function serializeDataForm(form: DataForm): Element {
  const field = (f: DataField): Element =>
    xml(
      'field',
      { ...(f.var !== undefined ? { var: f.var } : {}), ...(f.typeDeclared ? { type: f.type } : {}), ...(f.label !== undefined ? { label: f.label } : {}) },
      ...(f.desc !== undefined ? [xml('desc', {}, f.desc)] : []),
      ...(f.required ? [xml('required')] : []),
      ...f.values.map((v) => xml('value', {}, v)),
      ...f.options.map((o) => xml('option', o.label !== undefined ? { label: o.label } : {}, xml('value', {}, o.value))),
    );
  return xml(
    'x',
    { xmlns: NS_DATA, type: form.kind },
    ...(form.title !== undefined ? [xml('title', {}, form.title)] : []),
    ...form.instructions.map((i) => xml('instructions', {}, i)),
    ...form.fields.map(field),
    ...(form.reported ? [xml('reported', {}, ...form.reported.map(field))] : []),
    ...form.items.map((it) => xml('item', {}, ...it.map(field))),
  );
}
