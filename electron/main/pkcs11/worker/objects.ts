// Object lookups on an open session: certificates, private keys by CKA_ID, single attributes.
// Attributes are read one by one where a module may not know them: pkcs11js fails the whole
// C_GetAttributeValue call if any one attribute is refused.
import pkcs11js from 'pkcs11js';
import { ckrOf } from './fault';

type Handle = Buffer;
type Template = pkcs11js.Template;

export function findObjects(p11: pkcs11js.PKCS11, session: Handle, template: Template, max = 64): Handle[] {
  p11.C_FindObjectsInit(session, template);
  try {
    return p11.C_FindObjects(session, max);
  } finally {
    p11.C_FindObjectsFinal(session);
  }
}

/** The attribute's bytes, or undefined when the module does not have it for this object. */
export function readAttribute(p11: pkcs11js.PKCS11, session: Handle, obj: Handle, type: number): Buffer | undefined {
  try {
    return p11.C_GetAttributeValue(session, obj, [{ type }])[0]?.value;
  } catch (err) {
    const ckr = ckrOf(err);
    if (ckr === 'CKR_ATTRIBUTE_TYPE_INVALID' || ckr === 'CKR_ATTRIBUTE_SENSITIVE') return undefined;
    throw err;
  }
}

/** CK_BBOOL: one byte, non-zero is true; undefined when absent. */
export function readBool(p11: pkcs11js.PKCS11, session: Handle, obj: Handle, type: number): boolean | undefined {
  const v = readAttribute(p11, session, obj, type);
  return v && v.length > 0 ? v[0] !== 0 : undefined;
}

/** CK_ULONG in the platform's size (4 bytes on Windows, 8 on 64-bit Unix), little-endian hosts. */
export function readUlong(p11: pkcs11js.PKCS11, session: Handle, obj: Handle, type: number): number | undefined {
  const v = readAttribute(p11, session, obj, type);
  if (!v || v.length < 4) return undefined;
  return v.readUInt32LE(0);
}

export function privateKeysById(p11: pkcs11js.PKCS11, session: Handle, id: Buffer): Handle[] {
  return findObjects(p11, session, [
    { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_PRIVATE_KEY },
    { type: pkcs11js.CKA_ID, value: id },
  ]);
}

export function x509Certificates(p11: pkcs11js.PKCS11, session: Handle): Handle[] {
  return findObjects(
    p11,
    session,
    [
      { type: pkcs11js.CKA_CLASS, value: pkcs11js.CKO_CERTIFICATE },
      { type: pkcs11js.CKA_CERTIFICATE_TYPE, value: pkcs11js.CKC_X_509 },
    ],
    256,
  );
}
