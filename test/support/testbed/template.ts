// Fill the config templates in ./templates/ ({{NAME}} placeholders). Values are plain paths,
// addresses, domains and numbers; anything that could escape a quoted Lua/YAML/shell value is
// refused instead of escaped, because no legitimate test-bed value needs it.
import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { fileURLToPath } from 'node:url';

export const TEMPLATE_DIR = fileURLToPath(new URL('./templates/', import.meta.url));

const SAFE_VALUE = /^[A-Za-z0-9@._/:+=-]*$/;

export function renderTemplate(text: string, values: Readonly<Record<string, string | number>>): string {
  return text.replace(/\{\{([A-Z0-9_]+)\}\}/g, (_m, key: string) => {
    const v = values[key];
    if (v === undefined) throw new Error(`template: no value for {{${key}}}`);
    const s = String(v);
    if (!SAFE_VALUE.test(s)) throw new Error(`template: unsafe value for {{${key}}}: ${JSON.stringify(s)}`);
    return s;
  });
}

/** Render templates/<name> into `dest`. */
export async function writeTemplate(
  name: string,
  dest: string,
  values: Readonly<Record<string, string | number>>,
  mode = 0o644,
): Promise<void> {
  const text = await readFile(path.join(TEMPLATE_DIR, name), 'utf8');
  await writeFile(dest, renderTemplate(text, values), { mode });
}
