import type { DataFormWire } from '../../../../shared/ipc/index';
import { t } from '../../i18n/en';

/**
 * A XEP-0004 data form drawn generically (field types per §3.3): boolean → checkbox,
 * list-single → select, list-multi → a group of checkboxes, text-multi/jid-multi → a textarea
 * of lines, text-private → password, text-single/jid-single → text, fixed → text, hidden → not
 * shown (returned unchanged, §3.3). Values are kept in a Map keyed by the field's var: vars come
 * from the server and may be any string, '__proto__' included.
 */
export type FormField = DataFormWire['fields'][number];
export type FormValue = boolean | string | readonly string[];
export type FormValues = ReadonlyMap<string, FormValue>;

const TRUE = new Set(['1', 'true']);
const isMulti = (f: FormField): boolean => f.type === 'list-multi' || f.type === 'text-multi' || f.type === 'jid-multi';

export function initialFormValues(form: DataFormWire): FormValues {
  const values = new Map<string, FormValue>();
  for (const f of form.fields) {
    if (f.var === undefined || f.type === 'fixed') continue;
    if (f.type === 'boolean') values.set(f.var, TRUE.has((f.values[0] ?? '').trim().toLowerCase()));
    else if (isMulti(f)) values.set(f.var, f.values);
    else values.set(f.var, f.values[0] ?? '');
  }
  return values;
}

/** Lines of a multi-line field: trimmed, empty ones dropped. */
export const linesOf = (text: string): string[] =>
  text
    .split('\n')
    .map((l) => l.trim())
    .filter(Boolean);

function trimTrailingBlank(lines: readonly string[]): string[] {
  let end = lines.length;
  while (end > 0 && (lines[end - 1] ?? '').trim() === '') end--;
  return lines.slice(0, end);
}

/** The answers to submit: every field with a var (hidden ones unchanged), as the contract's record. */
export function formAnswers(form: DataFormWire, values: FormValues): Record<string, boolean | string | string[]> {
  const entries: [string, boolean | string | string[]][] = [];
  for (const f of form.fields) {
    if (f.var === undefined || f.type === 'fixed') continue;
    const v = values.get(f.var);
    if (v === undefined) continue;
    if (typeof v === 'boolean' || typeof v === 'string') entries.push([f.var, v]);
    // JIDs one a line (blank lines dropped); text keeps its inner blank lines, not trailing ones.
    else if (f.type === 'jid-multi') entries.push([f.var, linesOf(v.join('\n'))]);
    else entries.push([f.var, trimTrailingBlank(v)]);
  }
  // fromEntries defines own properties: a var named '__proto__' stays a field, not a prototype.
  return Object.fromEntries(entries);
}

/** The labels of required fields left empty. */
export function missingRequired(form: DataFormWire, values: FormValues): string[] {
  const out: string[] = [];
  for (const f of form.fields) {
    if (!f.required || f.var === undefined || f.type === 'fixed' || f.type === 'hidden' || f.type === 'boolean') continue;
    const v = values.get(f.var);
    const empty = v === undefined || (typeof v === 'string' ? v.trim() === '' : Array.isArray(v) ? v.length === 0 : false);
    if (empty) out.push(fieldLabel(f));
  }
  return out;
}

export const fieldLabel = (f: FormField): string => f.label?.trim() || f.var || t('form.unnamed');

export interface DataFormFieldsProps {
  readonly form: DataFormWire;
  readonly values: FormValues;
  readonly onChange: (name: string, value: FormValue) => void;
  readonly idPrefix: string;
}

export function DataFormFields({ form, values, onChange, idPrefix }: DataFormFieldsProps): React.JSX.Element {
  return (
    <div className="data-form">
      {form.instructions.map((line, i) => (
        <p key={i} className="form-instructions">
          {line}
        </p>
      ))}
      {form.fields.map((f, i) => (
        <FieldView key={`${i}:${f.var ?? ''}`} field={f} id={`${idPrefix}-f${i}`} value={f.var === undefined ? undefined : values.get(f.var)} onChange={(v) => f.var !== undefined && onChange(f.var, v)} />
      ))}
    </div>
  );
}

function FieldView({ field: f, id, value, onChange }: { readonly field: FormField; readonly id: string; readonly value: FormValue | undefined; readonly onChange: (v: FormValue) => void }): React.JSX.Element | null {
  const label = fieldLabel(f);
  const shown = f.required && f.type !== 'boolean' ? t('form.requiredLabel', { label }) : label;
  const hintId = f.desc ? `${id}-hint` : undefined;
  const hint = f.desc ? (
    <p id={hintId} className="field-hint">
      {f.desc}
    </p>
  ) : null;
  const common = { id, 'aria-describedby': hintId, 'aria-required': f.required || undefined, 'data-var': f.var };
  switch (f.type) {
    case 'hidden':
      return null;
    case 'fixed':
      return (
        <p className="form-fixed" data-testid="form-fixed">
          {f.values.join('\n')}
        </p>
      );
    case 'boolean':
      return (
        <div className="field field-check">
          <input type="checkbox" {...common} checked={value === true} onChange={(e) => onChange(e.target.checked)} />
          <label htmlFor={id}>{shown}</label>
          {hint}
        </div>
      );
    case 'list-single': {
      const current = typeof value === 'string' ? value : '';
      const known = f.options.some((o) => o.value === current);
      return (
        <div className="field">
          <label htmlFor={id}>{shown}</label>
          {hint}
          <select {...common} value={current} onChange={(e) => onChange(e.target.value)}>
            {(!known || !f.required) && current === '' && <option value="">{t('form.noChoice')}</option>}
            {!known && current !== '' && <option value={current}>{current}</option>}
            {f.options.map((o) => (
              <option key={o.value} value={o.value}>
                {o.label?.trim() || o.value}
              </option>
            ))}
          </select>
        </div>
      );
    }
    case 'list-multi': {
      const chosen = new Set(Array.isArray(value) ? (value as readonly string[]) : []);
      // Values the server chose that are not among its options stay chosen (and visible).
      const options = [...f.options, ...[...chosen].filter((v) => !f.options.some((o) => o.value === v)).map((v) => ({ value: v, label: v }))];
      return (
        <fieldset className="field field-multi" aria-describedby={hintId} data-var={f.var}>
          <legend>{shown}</legend>
          {hint}
          {options.map((o, j) => (
            <div key={o.value} className="field-check">
              <input
                type="checkbox"
                id={`${id}-o${j}`}
                checked={chosen.has(o.value)}
                onChange={(e) => {
                  const next = new Set(chosen);
                  if (e.target.checked) next.add(o.value);
                  else next.delete(o.value);
                  onChange(options.map((x) => x.value).filter((v) => next.has(v)));
                }}
              />
              <label htmlFor={`${id}-o${j}`}>{o.label?.trim() || o.value}</label>
            </div>
          ))}
        </fieldset>
      );
    }
    case 'text-multi':
    case 'jid-multi':
      return (
        <div className="field">
          <label htmlFor={id}>{shown}</label>
          {hint}
          <p id={`${id}-lines`} className="field-hint">
            {f.type === 'jid-multi' ? t('form.jidLines') : t('form.lines')}
          </p>
          <textarea
            {...common}
            aria-describedby={[hintId, `${id}-lines`].filter(Boolean).join(' ')}
            rows={3}
            value={Array.isArray(value) ? (value as readonly string[]).join('\n') : ''}
            onChange={(e) => onChange(e.target.value.split('\n'))}
          />
        </div>
      );
    case 'text-private':
    case 'text-single':
    case 'jid-single':
      return (
        <div className="field">
          <label htmlFor={id}>{shown}</label>
          {hint}
          <input
            {...common}
            type={f.type === 'text-private' ? 'password' : 'text'}
            autoComplete={f.type === 'text-private' ? 'new-password' : 'off'}
            spellCheck={f.type === 'jid-single' ? false : undefined}
            value={typeof value === 'string' ? value : ''}
            onChange={(e) => onChange(e.target.value)}
          />
        </div>
      );
  }
}
