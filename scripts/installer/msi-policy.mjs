// @ts-check
// electron-builder `msiProjectCreated` hook (build/electron-builder.yml): adds Bastion's admin
// policy presets to the MSI. Each preset is a public MSI property that an admin passes on the
// msiexec command line for a silent install, e.g.
//
//   msiexec /i Bastion-0.1.0.msi /qn ALLOWEDDOMAINS="example.mil,mail.example.mil" AUTHMETHODS=card
//           TRUSTANCHORS="C:\ProgramData\Bastion\dod-roots.pem" REVOCATION=hard
//
// A property that is set becomes a registry value under HKLM\Software\Policies\Bastion — the
// Group Policy key the app reads as enforced policy (electron/main/policy/registry.ts), with the
// same names and types a GPO would write. Registry values, not %ProgramData%\Bastion\policy.json:
// Windows Installer writes (and on uninstall removes) registry values natively, writing JSON
// would need a custom action. A property that is not set writes nothing. The values are checked
// by the app when it starts, not by the installer: a wrong value (AUTHMETHODS=cac) installs, and
// the app then refuses to connect with an admin-facing error naming the value.
import fs from 'node:fs';

export const POLICY_REGISTRY_KEY = 'Software\\Policies\\Bastion';

/**
 * @typedef {{
 *   property: string,
 *   subkey?: string,
 *   name: string,
 *   type: 'string' | 'integer',
 *   guid: string,
 *   example: string,
 *   help: string,
 * }} MsiPreset
 * `type` is WiX's RegistryValue/@Type: string → REG_SZ, integer → REG_DWORD. Lists are REG_SZ,
 * comma-separated. `guid` is the component's fixed GUID (never change it: Windows Installer
 * tracks the component by it across upgrades).
 */

/** @type {readonly MsiPreset[]} */
export const MSI_POLICY_PRESETS = Object.freeze([
  { property: 'ALLOWEDDOMAINS', name: 'allowedDomains', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A01', example: 'example.mil,mail.example.mil', help: 'XMPP domains accounts may be on, comma-separated' },
  { property: 'TRUSTANCHORS', name: 'trustAnchors', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A02', example: 'C:\\ProgramData\\Bastion\\dod-roots.pem', help: 'PEM bundle of the trust anchors (DoD PKI roots), absolute path' },
  { property: 'PKCS11MODULES', name: 'pkcs11Modules', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A03', example: 'C:\\Windows\\System32\\acpkcs211.dll', help: 'PKCS#11 modules, absolute paths, comma-separated' },
  { property: 'AUTHMETHODS', name: 'authMethods', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A04', example: 'card', help: 'sign-in methods offered: card, password, pkcs12 (comma-separated)' },
  { property: 'MINTLSVERSION', name: 'minTlsVersion', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A05', example: '1.3', help: 'lowest TLS version: 1.2 or 1.3' },
  { property: 'REVOCATION', name: 'revocation', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A06', example: 'hard', help: 'server-certificate revocation checking: hard, soft or off' },
  { property: 'CARDREMOVAL', name: 'cardRemoval', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A07', example: 'terminate', help: 'what removing the card does: terminate or keep' },
  { property: 'CONSENTBANNER', name: 'consentBanner', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A08', example: 'You are accessing a U.S. Government (USG) Information System ...', help: 'consent banner text shown before sign-in' },
  { property: 'CLASSIFICATIONTEXT', subkey: 'classificationBanner', name: 'text', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A09', example: 'UNCLASSIFIED', help: 'classification banner text (set all three CLASSIFICATION* properties)' },
  { property: 'CLASSIFICATIONFG', subkey: 'classificationBanner', name: 'foreground', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A0A', example: '#ffffff', help: 'classification banner text colour, #rrggbb' },
  { property: 'CLASSIFICATIONBG', subkey: 'classificationBanner', name: 'background', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A0B', example: '#007a33', help: 'classification banner background colour, #rrggbb' },
  { property: 'HISTORY', subkey: 'history', name: 'enabled', type: 'integer', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A0C', example: '0', help: 'local message history: 1 on, 0 off' },
  { property: 'HISTORYRETENTIONDAYS', subkey: 'history', name: 'retentionDays', type: 'integer', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A0D', example: '30', help: 'delete history older than this many days (needs HISTORY)' },
  { property: 'COMPRESSION', name: 'compression', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A0E', example: 'off', help: 'XEP-0138 stream compression: off or allowed' },
  { property: 'XEPPRIVACYLISTS', subkey: 'xeps', name: 'privacyLists', type: 'integer', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A11', example: '1', help: 'XEP-0016 privacy lists: 1 on, 0 off (UCR conditional)' },
  { property: 'XEPMULTICAST', subkey: 'xeps', name: 'multicast', type: 'integer', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A12', example: '1', help: 'XEP-0033 multicast: 1 on, 0 off (UCR conditional)' },
  { property: 'XEPXHTMLIM', subkey: 'xeps', name: 'xhtmlIm', type: 'integer', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A13', example: '0', help: 'XEP-0071 formatted messages: 1 on, 0 off (UCR conditional)' },
  { property: 'XEPCAPS', subkey: 'xeps', name: 'entityCapabilities', type: 'integer', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A14', example: '1', help: 'XEP-0115 entity capabilities: 1 on, 0 off (UCR conditional)' },
  { property: 'DNSSERVERS', name: 'dnsServers', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A0F', example: '10.0.0.53,10.0.1.53', help: 'DNS servers to ask, comma-separated' },
  { property: 'PASSWORDSAVING', name: 'passwordSaving', type: 'string', guid: '6E0B3C1A-2F4D-4B8E-9A51-0C7D2E8F1A10', example: 'never', help: 'never (Bastion never stores passwords; makes the setting explicit)' },
]);

/** @param {string} s */
const xmlAttr = (s) => s.replace(/&/g, '&amp;').replace(/"/g, '&quot;').replace(/</g, '&lt;').replace(/>/g, '&gt;');

/**
 * The WiX source inserted into electron-builder's project.wxs (inside <Product>): one public,
 * secure property per preset (Secure: passed from the client to the elevated server side of a
 * per-machine install), one conditional registry component per preset (64-bit registry view:
 * electron-builder runs candle with -arch x64), and a hidden feature that always installs those
 * components whose property is set. Written in the WiX 3 dialect of electron-builder's own
 * template (templates/msi/template.xml, built with its bundled "wix-4.0.0.5512.2" candle/light).
 */
export function policyPresetsWxs() {
  const properties = MSI_POLICY_PRESETS.map((p) => `    <Property Id="${p.property}" Secure="yes"/>`);
  const components = MSI_POLICY_PRESETS.map((p) => {
    const key = p.subkey ? `${POLICY_REGISTRY_KEY}\\${p.subkey}` : POLICY_REGISTRY_KEY;
    return [
      `      <Component Id="BastionPolicy_${p.property}" Guid="{${p.guid}}">`,
      `        <Condition>${p.property}</Condition>`,
      `        <RegistryValue Root="HKLM" Key="${xmlAttr(key)}" Name="${p.name}" Type="${p.type}" Value="[${p.property}]" KeyPath="yes"/>`,
      '      </Component>',
    ].join('\n');
  });
  return [
    '    <!-- Bastion admin policy presets (scripts/installer/msi-policy.mjs): MSI properties to HKLM\\Software\\Policies\\Bastion -->',
    ...properties,
    '    <Feature Id="BastionPolicyPresets" Level="1" Absent="disallow" Display="hidden">',
    '      <ComponentGroupRef Id="BastionPolicyPresets"/>',
    '    </Feature>',
    '    <ComponentGroup Id="BastionPolicyPresets" Directory="APPLICATIONFOLDER">',
    ...components,
    '    </ComponentGroup>',
  ].join('\n');
}

/**
 * project.wxs with the presets inserted before </Product>; throws if there is no (single)
 * </Product>, i.e. electron-builder's template changed shape.
 * @param {string} wxs
 */
export function withPolicyPresets(wxs) {
  const at = wxs.indexOf('</Product>');
  if (at < 0 || wxs.indexOf('</Product>', at + 1) >= 0) throw new Error('msi-policy: project.wxs does not have exactly one </Product>');
  return `${wxs.slice(0, at)}${policyPresetsWxs()}\n  ${wxs.slice(at)}`;
}

/**
 * The hook: electron-builder passes the path of the generated project.wxs.
 * @param {string} projectFile
 */
export async function msiProjectCreated(projectFile) {
  const wxs = await fs.promises.readFile(projectFile, 'utf8');
  await fs.promises.writeFile(projectFile, withPolicyPresets(wxs));
  console.log(`  • msi-policy: ${MSI_POLICY_PRESETS.length} policy preset properties added to ${projectFile}`);
}

export default msiProjectCreated;
