// CK_SLOT_ID values arrive from pkcs11js as Buffers of sizeof(CK_ULONG): 8 bytes on 64-bit
// Linux/macOS, 4 on Windows. The protocol carries them as decimal strings.
import type { SlotId } from '../protocol';

export function slotIdOf(handle: Buffer): SlotId {
  if (handle.length >= 8) return handle.readBigUInt64LE(0).toString();
  return handle.readUInt32LE(0).toString();
}

/** pkcs11js pads several strings with blanks (and some modules with NULs). */
export function p11String(s: string): string {
  return s.replace(/[\s\0]+$/u, '');
}
