/**
 * XEP-0319 Last User Interaction in Presence, and auto-away on the OS idle time.
 *  - Theirs: `<idle xmlns='urn:xmpp:idle:1' since='…'/>` in a contact's presence says when the
 *    user last interacted (§3); we keep it per full JID until the next presence without one.
 *  - Ours: after `awayAfterMs` without input (or at once when the screen locks) our presence
 *    becomes 'away' with `<idle since/>` set to the last input, after `xaAfterMs` 'xa', and on
 *    the next input it goes back to what the user had. Only an available or 'chat' presence is
 *    touched: a user who chose 'dnd' or 'away' keeps it, and a presence the user sets while
 *    auto-away wins (we do not restore over it).
 * The OS is reached through IdlePort (Electron: ../../app/idle-port.ts; tests: a fake).
 */
import type { Element } from '@xmpp/xml';
import xml from '@xmpp/xml';
import { assertNever } from '../../../../shared/util/assert-never';
import { createEmitter, type Disposer } from '../../../../shared/util/disposable';
import { bareOf, parseJid } from '../../../../shared/xmpp/jid';
import type { XmppClient } from '../client/client';
import type { OwnPresence, PresenceModule } from '../im/presence';

export const NS_IDLE = 'urn:xmpp:idle:1';

/** The operating system's view of the user (Electron powerMonitor in the app). */
export interface IdlePort {
  /** Seconds since the last keyboard or mouse input to the OS session. */
  idleSeconds(): number;
  onDidLock?(cb: () => void): Disposer;
  onDidUnlock?(cb: () => void): Disposer;
  /** The machine woke from sleep (the idle clock may have jumped). */
  onDidResume?(cb: () => void): Disposer;
}

export interface AutoAwayOptions {
  readonly awayAfterMs: number;
  /** Must be larger than awayAfterMs; Infinity never goes to 'xa'. */
  readonly xaAfterMs: number;
  /** How often the idle time is read. Default 15 s. */
  readonly pollMs?: number;
  /** Status text while auto-away; default: the user's own status is kept. */
  readonly awayStatus?: string;
  readonly xaStatus?: string;
}

export type AutoAwayState = 'active' | 'away' | 'xa';

export interface IdleModule {
  /** When a contact's resource last interacted, from its presence; undefined if not idle. */
  idleSince(jid: string): Date | undefined;
  onDidChangeIdle(cb: (e: { readonly jid: string; readonly since: Date | undefined }) => void): Disposer;
  state(): AutoAwayState;
  onDidChangeState(cb: (s: AutoAwayState) => void): Disposer;
  /** Reads the idle time and acts on it now (the timer does this every pollMs). */
  check(): void;
  dispose(): void;
}

export interface IdleOptions {
  readonly presence: PresenceModule;
  /** Without a port (or without autoAway) we only read others' idle times. */
  readonly port?: IdlePort;
  readonly autoAway?: AutoAwayOptions;
  readonly now?: () => number;
}

// XEP-0082 DateTime: CCYY-MM-DDThh:mm:ss[.sss]TZD
const DATETIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,9})?(Z|[+-]\d{2}:\d{2})$/;

/** Parses `since`; a time in the future (clock skew) is read as "now". */
export function parseIdleSince(value: unknown, now: number): Date | undefined {
  if (typeof value !== 'string' || !DATETIME.test(value)) return undefined;
  const t = Date.parse(value);
  if (!Number.isFinite(t)) return undefined;
  return new Date(Math.min(t, now));
}

/** XEP-0082 profile, whole seconds in UTC. */
const stamp = (ms: number): string => new Date(Math.floor(ms / 1000) * 1000).toISOString().replace('.000Z', 'Z');

export function registerIdle(client: XmppClient, opts: IdleOptions): IdleModule {
  const now = opts.now ?? (() => Date.now());
  const { presence, port } = opts;
  const auto = opts.autoAway;
  const others = new Map<string, Date>();
  const idleListeners = createEmitter<{ readonly jid: string; readonly since: Date | undefined }>();
  const stateListeners = createEmitter<AutoAwayState>();

  let state: AutoAwayState = 'active';
  /** Last user input while we are auto-away (ms since the epoch). */
  let since: number | undefined;
  /** What the user had before auto-away, and what we set instead (to notice the user's own change). */
  let saved: OwnPresence | undefined;
  let applied: OwnPresence | undefined;
  let lockedAt: number | undefined;

  const setState = (s: AutoAwayState): void => {
    if (s === state) return;
    state = s;
    stateListeners.emit(s);
  };

  function goAway(show: 'away' | 'xa', lastInput: number): void {
    if (state === 'active') saved = presence.own();
    const base = saved ?? {};
    const status = show === 'away' ? auto?.awayStatus : auto?.xaStatus;
    since = lastInput;
    applied = { ...base, show, ...(status !== undefined ? { status } : {}) };
    setState(show);
    presence.setOwn(applied); // carries <idle/>: the extension below reads `state`
  }

  function comeBack(): void {
    const restore = saved;
    saved = undefined;
    applied = undefined;
    since = undefined;
    setState('active');
    if (restore) presence.setOwn(restore);
  }

  function check(): void {
    if (!port || !auto) return;
    // The user set a presence of their own while we were away: theirs wins, nothing to restore.
    if (state !== 'active' && presence.own() !== applied) {
      saved = undefined;
      applied = undefined;
      since = undefined;
      setState('active');
    }
    const t = now();
    const reported = port.idleSeconds();
    let lastInput = t - (Number.isFinite(reported) && reported >= 0 ? reported * 1000 : 0);
    if (lockedAt !== undefined) lastInput = Math.min(lastInput, lockedAt);
    const idleMs = t - lastInput;
    switch (state) {
      case 'active': {
        const own = presence.own();
        if (!own || (own.show !== undefined && own.show !== 'chat')) return;
        if (idleMs >= auto.xaAfterMs) goAway('xa', lastInput);
        else if (idleMs >= auto.awayAfterMs || lockedAt !== undefined) goAway('away', lastInput);
        return;
      }
      case 'away':
      case 'xa':
        // Input since we went away (one second of slack for the OS clock's resolution).
        if (lockedAt === undefined && since !== undefined && lastInput > since + 1000) comeBack();
        else if (state === 'away' && idleMs >= auto.xaAfterMs) goAway('xa', since ?? lastInput);
        return;
      default:
        assertNever(state, 'auto-away state');
    }
  }

  const disposers: Disposer[] = [
    client.disco.addFeature(NS_IDLE),
    presence.addExtension(() => (state !== 'active' && since !== undefined ? xml('idle', { xmlns: NS_IDLE, since: stamp(since) }) : undefined)),
    client.onPresence((el: Element) => {
      const p = parseJid(String(el.attrs.from ?? ''));
      if (!p.ok) return;
      const jid = p.jid.resource === undefined ? bareOf(p.jid) : `${bareOf(p.jid)}/${p.jid.resource}`;
      const type = (el.attrs.type as string | undefined) ?? 'available';
      if (type !== 'available' && type !== 'unavailable') return;
      const next = type === 'available' ? parseIdleSince(el.getChild('idle', NS_IDLE)?.attrs.since, now()) : undefined;
      const prev = others.get(jid);
      others.delete(jid);
      if (next) others.set(jid, next);
      while (others.size > 20_000) others.delete(others.keys().next().value as string); // a presence flood stays bounded
      if (prev?.getTime() !== next?.getTime()) idleListeners.emit({ jid, since: next });
    }),
  ];
  // Timer and OS events must never throw (a closed stream makes setOwn throw): the next
  // session sends its own presence anyway.
  const guarded = (f: () => void) => (): void => {
    try {
      f();
    } catch {
      // nothing to do: see above
    }
  };
  if (port && auto) {
    const timer = setInterval(guarded(check), auto.pollMs ?? 15_000);
    timer.unref();
    disposers.push(() => clearInterval(timer));
    const lock = port.onDidLock?.(
      guarded(() => {
        lockedAt = now();
        check();
      }),
    );
    // Unlocking takes a password: that is input, whatever the idle clock says.
    const unlock = port.onDidUnlock?.(
      guarded(() => {
        lockedAt = undefined;
        if (state !== 'active' && presence.own() === applied) comeBack();
        else check();
      }),
    );
    const resume = port.onDidResume?.(guarded(check));
    for (const d of [lock, unlock, resume]) if (d) disposers.push(d);
  }

  return {
    idleSince: (jid) => {
      const p = parseJid(jid);
      if (!p.ok) return undefined;
      return others.get(p.jid.resource === undefined ? bareOf(p.jid) : `${bareOf(p.jid)}/${p.jid.resource}`);
    },
    onDidChangeIdle: idleListeners.on,
    state: () => state,
    onDidChangeState: stateListeners.on,
    check,
    dispose: () => {
      for (const d of disposers.splice(0)) d();
    },
  };
}
