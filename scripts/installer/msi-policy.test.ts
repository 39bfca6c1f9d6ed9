import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { parse } from 'ltx';
import { describe, expect, it } from 'vitest';
import { GPO_KEY, parseRegQuery } from '../../electron/main/policy/registry';
import { adminPolicySchema, POLICY_KEYS } from '../../shared/policy/schema';
import { MSI_POLICY_PRESETS, msiProjectCreated, policyPresetsWxs, POLICY_REGISTRY_KEY, withPolicyPresets } from './msi-policy.mjs';

// The MSI policy presets (issue 8): MSI properties → registry values under the Group Policy
// key. WiX cannot run here (electron-builder downloads it), so the generated WiX is checked as
// XML against electron-builder's own MSI template, and what it would write to the registry is fed
// to the app's real GPO reader and policy schema: a preset the app would not accept fails here.

const template = fs.readFileSync(path.resolve(import.meta.dirname, '../../node_modules/app-builder-lib/templates/msi/template.xml'), 'utf8');

/** What `reg query HKLM\Software\Policies\Bastion /s` prints after `msiexec … PROP=value …`. */
function regQueryAfterInstall(values: Readonly<Record<string, string>>): string {
  const bySubkey = new Map<string, string[]>();
  for (const p of MSI_POLICY_PRESETS) {
    const v = values[p.property];
    if (v === undefined) continue;
    const type = p.type === 'integer' ? 'REG_DWORD' : 'REG_SZ';
    const data = p.type === 'integer' ? `0x${Number(v).toString(16)}` : v;
    const key = p.subkey ?? '';
    bySubkey.set(key, [...(bySubkey.get(key) ?? []), `    ${p.name}    ${type}    ${data}`]);
  }
  const root = 'HKEY_LOCAL_MACHINE\\Software\\Policies\\Bastion';
  return [...bySubkey].map(([sub, lines]) => [sub ? `${root}\\${sub}` : root, ...lines, ''].join('\r\n')).join('\r\n');
}

describe('MSI policy presets', () => {
  it('writes under the Group Policy key the app reads', () => {
    expect(`HKLM\\${POLICY_REGISTRY_KEY}`).toBe(GPO_KEY);
  });

  it('has one preset per policy key (both parts of the object keys), unique properties and fixed GUIDs', () => {
    const tops = new Set(MSI_POLICY_PRESETS.map((p) => p.subkey ?? p.name));
    expect([...tops].sort()).toEqual([...POLICY_KEYS].sort());
    const props = MSI_POLICY_PRESETS.map((p) => p.property);
    expect(new Set(props).size).toBe(props.length);
    for (const p of props) expect(p).toMatch(/^[A-Z][A-Z0-9]*$/); // public MSI properties are upper case
    const guids = MSI_POLICY_PRESETS.map((p) => p.guid);
    expect(new Set(guids).size).toBe(guids.length);
    for (const g of guids) expect(g).toMatch(/^[0-9A-F]{8}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{4}-[0-9A-F]{12}$/);
  });

  it('the example of every preset, installed, is a policy the app accepts (GPO reader + schema)', () => {
    const examples = Object.fromEntries(MSI_POLICY_PRESETS.map((p) => [p.property, p.example]));
    const parsed = parseRegQuery(regQueryAfterInstall(examples), GPO_KEY);
    expect(parsed).toMatchObject({ ok: true, count: MSI_POLICY_PRESETS.length });
    if (!parsed.ok) return;
    const policy = adminPolicySchema.safeParse(parsed.value);
    expect(policy.success ? [] : policy.error.issues).toEqual([]);
    expect(policy.data).toMatchObject({
      allowedDomains: ['example.mil', 'mail.example.mil'],
      authMethods: ['card'],
      history: { enabled: false, retentionDays: 30 },
      classificationBanner: { text: 'UNCLASSIFIED', foreground: '#ffffff', background: '#007a33' },
    });
  });

  it('a silent install with only ALLOWEDDOMAINS and AUTHMETHODS writes just those two keys', () => {
    const parsed = parseRegQuery(regQueryAfterInstall({ ALLOWEDDOMAINS: 'example.mil', AUTHMETHODS: 'card,pkcs12' }), GPO_KEY);
    expect(parsed).toEqual({ ok: true, count: 2, value: { allowedDomains: ['example.mil'], authMethods: ['card', 'pkcs12'] } });
  });

  it('generates well-formed WiX: a secure property, and a registry component conditioned on it, per preset', () => {
    const root = parse(`<Product>${policyPresetsWxs()}</Product>`);
    const properties = root.getChildren('Property').map((p) => p.attrs as Record<string, string>);
    expect(properties).toEqual(MSI_POLICY_PRESETS.map((p) => ({ Id: p.property, Secure: 'yes' })));
    const feature = root.getChild('Feature');
    expect(feature?.attrs).toMatchObject({ Id: 'BastionPolicyPresets', Level: '1', Absent: 'disallow' });
    expect(feature?.getChild('ComponentGroupRef')?.attrs.Id).toBe('BastionPolicyPresets');
    const components = root.getChild('ComponentGroup')?.getChildren('Component') ?? [];
    expect(components).toHaveLength(MSI_POLICY_PRESETS.length);
    for (const [i, c] of components.entries()) {
      const p = MSI_POLICY_PRESETS[i];
      if (!p) throw new Error('preset missing');
      expect(c.attrs.Guid).toBe(`{${p.guid}}`);
      expect(c.getChildText('Condition')).toBe(p.property);
      expect(c.getChild('RegistryValue')?.attrs).toEqual({
        Root: 'HKLM',
        Key: p.subkey ? `${POLICY_REGISTRY_KEY}\\${p.subkey}` : POLICY_REGISTRY_KEY,
        Name: p.name,
        Type: p.type,
        Value: `[${p.property}]`,
        KeyPath: 'yes',
      });
    }
  });

  it("goes inside electron-builder's <Product>, once; a template of another shape is refused", () => {
    const wxs = withPolicyPresets(template);
    expect(wxs.split('<Property Id="ALLOWEDDOMAINS"')).toHaveLength(2);
    expect(wxs.indexOf('<ComponentGroup Id="BastionPolicyPresets"')).toBeGreaterThan(wxs.indexOf('<Product '));
    expect(wxs.indexOf('<ComponentGroup Id="BastionPolicyPresets"')).toBeLessThan(wxs.indexOf('</Product>'));
    expect(() => withPolicyPresets('<Wix></Wix>')).toThrow(/exactly one <\/Product>/);
    expect(() => withPolicyPresets(`${template}${template}`)).toThrow(/exactly one <\/Product>/);
  });

  it('the hook rewrites the project file electron-builder hands it', async () => {
    const dir = fs.mkdtempSync(path.join(os.tmpdir(), 'bastion-msi-'));
    try {
      const file = path.join(dir, 'project.wxs');
      fs.writeFileSync(file, template);
      await msiProjectCreated(file);
      expect(fs.readFileSync(file, 'utf8')).toBe(withPolicyPresets(template));
    } finally {
      fs.rmSync(dir, { recursive: true, force: true });
    }
  });
});
