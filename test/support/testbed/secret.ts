// Per-run random secrets: passwords are never constants, so no test can pass by accident against
// state left over from another run.
import { randomBytes } from 'node:crypto';

export function randomPassword(): string {
  return randomBytes(18).toString('base64url');
}

export function randomToken(bytes = 6): string {
  return randomBytes(bytes).toString('hex');
}
