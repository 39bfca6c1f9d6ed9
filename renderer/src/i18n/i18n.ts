/**
 * The renderer's translation function on i18next. `en.ts` is the English resource bundle (one
 * namespace, flat dotted keys); other languages become more bundles with the same keys. The
 * instance is initialised synchronously (inline resources, no backend plugin) the first time it is
 * needed — main.tsx calls `initI18n()` before the first render — so `t()` never returns a key
 * because a load is still pending.
 */
import i18next, { type i18n as I18n } from 'i18next';
import { en } from './en';

export type MessageKey = keyof typeof en;
export type MessageParams = Readonly<Record<string, string | number>>;

/** Vite sets import.meta.env.DEV in `vite dev` and vitest; the production build drops the check. */
const DEV = (import.meta as { readonly env?: { readonly DEV?: boolean } }).env?.DEV === true;

let instance: I18n | undefined;
let reportMissing: (key: string) => void = (key) => {
  if (DEV) console.warn(`i18n: missing message key "${key}"`);
};

/** Creates the instance; idempotent. `lng` defaults to the browser's language, falling back to 'en'. */
export function initI18n(lng: string = browserLanguage()): I18n {
  if (instance) return instance;
  const inst = i18next.createInstance();
  void inst.init({
    lng,
    fallbackLng: 'en',
    resources: { en: { translation: en } },
    // Synchronous: resources are inline, so init completes before this call returns.
    initAsync: false,
    // Keys are flat ("login.title") and texts may contain ':' — no nesting by separators.
    keySeparator: false,
    nsSeparator: false,
    interpolation: {
      prefix: '{',
      suffix: '}',
      // React escapes text content; escaping here would show "&amp;" to the user.
      escapeValue: false,
    },
    // An unknown placeholder stays visible ("{name}") rather than silently becoming "".
    missingInterpolationHandler: (text: string, value: unknown) => (Array.isArray(value) && typeof value[0] === 'string' ? value[0] : text),
    returnNull: false,
    returnEmptyString: true,
  });
  instance = inst;
  return inst;
}

/** Looks a message up and fills its `{name}` placeholders; a missing key returns the key itself. */
export function t(key: MessageKey, params?: MessageParams): string {
  const inst = instance ?? initI18n();
  if (!inst.exists(key)) {
    reportMissing(key);
    return key;
  }
  // Our keys are checked by MessageKey; i18next's own key typing (selector brands) adds nothing here.
  const lookup = inst.t.bind(inst) as unknown as (k: string, o?: MessageParams) => string;
  return params ? lookup(key, params) : lookup(key);
}

/** Tests: observe missing-key reports instead of the dev console warning. Returns a restorer. */
export function onMissingKeyForTest(cb: (key: string) => void): () => void {
  const prev = reportMissing;
  reportMissing = cb;
  return () => {
    reportMissing = prev;
  };
}

/** Tests: drop the instance so the next `t()` or `initI18n(lng)` starts fresh. */
export function resetI18nForTest(): void {
  instance = undefined;
}

function browserLanguage(): string {
  const lang = typeof navigator === 'undefined' ? undefined : navigator.language;
  return lang && lang.length > 0 ? lang : 'en';
}
