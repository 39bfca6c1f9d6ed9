import type { SecurityReport, SessionStage } from '../../../../shared/security/report';

/**
 * Why a session could not be established. Every failure terminates the session at once
 * [UCR-T3, UCR-A2]: nothing is retried in plaintext or with weaker settings.
 */
export class SessionFailure extends Error {
  constructor(
    readonly stage: SessionStage,
    message: string,
    readonly report: SecurityReport,
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.name = 'SessionFailure';
  }
}
