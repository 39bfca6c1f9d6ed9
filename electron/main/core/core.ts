import type { AppInfo } from '../../../shared/ipc';
import type { CommandHandlers } from '../ipc/handlers';
import { createEventHub, type EventHub } from '../ipc/events';
import { createSessionManager, type SessionEnvironment } from './session-manager';

/**
 * Everything the core needs from its host, passed in explicitly so the same core runs inside
 * Electron, the browser host (tests, development) and the CLI.
 */
export interface CoreDeps {
  readonly runtime: AppInfo['runtime'];
  readonly version: string;
  readonly platform: string;
  readonly engineVersions: Readonly<Record<string, string>>;
  readonly now: () => Date;
  readonly validateEvents: boolean;
  readonly session: SessionEnvironment;
}

export interface Core {
  readonly handlers: CommandHandlers;
  readonly events: EventHub;
  dispose(): Promise<void>;
}

/** The main-process core: no UI, no Electron import; the shells wire it to a transport. */
export function createCore(deps: CoreDeps): Core {
  const events = createEventHub({ validate: deps.validateEvents });
  const sessions = createSessionManager(deps.session, events);
  const handlers: CommandHandlers = {
    getAppInfo: () => ({
      name: 'Bastion',
      version: deps.version,
      runtime: deps.runtime,
      platform: deps.platform,
      versions: { ...deps.engineVersions },
    }),
    ping: ({ nonce }) => {
      const receivedAt = deps.now().toISOString();
      events.emit('didReceivePing', { nonce, receivedAt });
      return { nonce, runtime: deps.runtime, receivedAt };
    },
    connect: ({ account, password }) => sessions.connect(account, password),
    disconnect: async () => {
      await sessions.disconnect();
      return {};
    },
    getSecurityReport: () => sessions.report(),
    decideCertificateChange: ({ requestId, decision }) => {
      sessions.decide(requestId, decision);
      return {};
    },
  };
  return {
    handlers,
    events,
    dispose: () => sessions.dispose(),
  };
}
