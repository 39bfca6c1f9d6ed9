// THE owner of PKCS#11 in the process: loads the module, C_Initialize once, one session per
// slot, the login state, and every call into the card. Runs only inside the card worker, so
// every call here may block (a real card takes 10–900 ms per signature) without stalling the
// main thread. All methods are synchronous; the message loop serialises them.
import pkcs11js from 'pkcs11js';
import type { SignAlgorithm } from '../../tls/engine';
import { CK } from '../ck';
import { loginFailure, loginPrecheck } from '../login-result';
import type {
  InitParams,
  KeyProtection,
  LoginResult,
  MechanismSupport,
  ModuleInfo,
  RawCertificate,
  SlotEvent,
  SlotId,
  TokenSummary,
} from '../protocol';
import { checkSignInput } from '../sign-mechanisms';
import { decodeTokenFlags } from '../token-flags';
import { CardFault, ckrOf, isRemovalCkr } from './fault';
import { inspectKeyProtection, signWithKey } from './key-ops';
import { privateKeysById, readAttribute, readBool, readUlong, x509Certificates } from './objects';
import { p11String, slotIdOf } from './slot-ids';
import { SlotWatcher, type ScanEntry, type WatchEvent } from './slot-watcher';

type Handle = Buffer;

interface SlotState {
  session?: Handle;
  loggedIn: boolean;
}

export class CardBackend {
  private p11: pkcs11js.PKCS11 | undefined;
  private modulePath = '';
  private readonly handles = new Map<SlotId, Handle>();
  private readonly state = new Map<SlotId, SlotState>();
  private watcher: SlotWatcher | undefined;
  private slotEventsSupported = false;
  private signLatencyMs = 0;

  constructor(private readonly emit: (e: SlotEvent) => void) {}

  init(p: InitParams): ModuleInfo {
    if (this.p11) throw new CardFault('bad-request', 'the card worker is already initialised');
    const p11 = new pkcs11js.PKCS11();
    try {
      p11.load(p.modulePath);
    } catch (err) {
      throw new CardFault('module-load-failed', `cannot load PKCS#11 module ${p.modulePath}: ${err instanceof Error ? err.message : String(err)}`);
    }
    let inherited = false;
    try {
      p11.C_Initialize();
    } catch (err) {
      // A previous card worker of this process died without C_Finalize: the module is still
      // initialised. We are its only user now; its sessions are closed below.
      if (ckrOf(err) !== 'CKR_CRYPTOKI_ALREADY_INITIALIZED') {
        p11.close();
        throw new CardFault('module-load-failed', `C_Initialize of ${p.modulePath} failed`, ckrOf(err));
      }
      inherited = true;
    }
    this.p11 = p11;
    this.modulePath = p.modulePath;
    this.signLatencyMs = p.simulatedSignLatencyMs ?? 0;
    this.refreshHandles(false);
    if (inherited) for (const h of this.handles.values()) this.quietly(() => p11.C_CloseAllSessions(h));
    this.slotEventsSupported = this.probeSlotEvents();
    const info = p11.C_GetInfo();
    this.watcher = new SlotWatcher({
      scan: () => this.scan(),
      onEvent: (e) => this.onWatchEvent(e),
      intervalMs: Math.min(Math.max(p.pollIntervalMs, 50), 500),
    });
    this.watcher.start();
    return {
      path: p.modulePath,
      manufacturer: p11String(info.manufacturerID),
      description: p11String(info.libraryDescription),
      libraryVersion: `${info.libraryVersion.major}.${info.libraryVersion.minor}`,
      cryptokiVersion: `${info.cryptokiVersion.major}.${info.cryptokiVersion.minor}`,
      slotEvents: this.slotEventsSupported ? 'wait-for-slot-event' : 'polling',
      tookOverInitializedModule: inherited,
    };
  }

  listTokens(): TokenSummary[] {
    const p11 = this.module();
    const out: TokenSummary[] = [];
    for (const h of p11.C_GetSlotList(true)) {
      const slot = slotIdOf(h);
      this.handles.set(slot, h);
      try {
        const si = p11.C_GetSlotInfo(h);
        const ti = p11.C_GetTokenInfo(h);
        // An uninitialised token (SoftHSM2's spare slot, a blank card) holds nothing to log in with.
        if ((ti.flags & CK.CKF_TOKEN_INITIALIZED) === 0) continue;
        out.push({
          slot,
          slotDescription: p11String(si.slotDescription),
          label: p11String(ti.label),
          manufacturer: p11String(ti.manufacturerID),
          model: p11String(ti.model),
          serial: p11String(ti.serialNumber),
          flags: decodeTokenFlags(si.flags, ti.flags),
          minPinLength: ti.minPinLen,
          maxPinLength: ti.maxPinLen,
          loggedIn: this.state.get(slot)?.loggedIn ?? false,
        });
      } catch (err) {
        // A token that cannot describe itself (removed mid-listing, broken) is not offered.
        if (!ckrOf(err)) throw err;
      }
    }
    return out;
  }

  listCertificates(slot: SlotId): RawCertificate[] {
    return this.onSlot(slot, (p11, session, st) => {
      const tokenFlags = decodeTokenFlags(0, p11.C_GetTokenInfo(this.handle(slot)).flags);
      const keysHidden = tokenFlags.loginRequired && !st.loggedIn;
      const out: RawCertificate[] = [];
      for (const obj of x509Certificates(p11, session)) {
        const der = readAttribute(p11, session, obj, pkcs11js.CKA_VALUE);
        if (!der || der.length === 0) continue;
        const id = readAttribute(p11, session, obj, pkcs11js.CKA_ID) ?? Buffer.alloc(0);
        const label = readAttribute(p11, session, obj, pkcs11js.CKA_LABEL)?.toString('utf8') ?? '';
        const raw: RawCertificate = { id: id.toString('hex'), label, der, privateKey: 'absent' };
        const [key] = id.length > 0 ? privateKeysById(p11, session, id) : [];
        if (key) {
          raw.privateKey = 'present';
          raw.keyCanSign = readBool(p11, session, key, pkcs11js.CKA_SIGN) ?? true;
          raw.keyAlwaysAuthenticate = readBool(p11, session, key, pkcs11js.CKA_ALWAYS_AUTHENTICATE) ?? false;
          if (readUlong(p11, session, key, pkcs11js.CKA_KEY_TYPE) === pkcs11js.CKK_RSA) {
            const n = readAttribute(p11, session, key, pkcs11js.CKA_MODULUS);
            if (n) raw.rsaModulus = n;
          }
        } else if (keysHidden) {
          raw.privateKey = 'unchecked';
        }
        out.push(raw);
      }
      return out;
    });
  }

  /** `pin` is zeroed by the message loop after this returns, whatever happened. */
  login(slot: SlotId, pin: Uint8Array): LoginResult {
    return this.onSlot(slot, (p11, session, st) => {
      const h = this.handle(slot);
      const ti = p11.C_GetTokenInfo(h);
      const pre = loginPrecheck(decodeTokenFlags(0, ti.flags), pin.length, ti.minPinLen, ti.maxPinLen);
      if (pre) return pre;
      const attempt = (): void => {
        // pkcs11js 2.1.7 takes the PIN only as a JS string: this transient string (and the
        // addon's own copy, freed unwiped) is the one copy we cannot zero. See README.md.
        p11.C_Login(session, pkcs11js.CKU_USER, new TextDecoder().decode(pin));
      };
      try {
        try {
          attempt();
        } catch (err) {
          // Logged in already (by us, earlier): log out and verify this PIN for real, rather
          // than accept any PIN because a session happens to be open.
          if (ckrOf(err) !== 'CKR_USER_ALREADY_LOGGED_IN') throw err;
          p11.C_Logout(session);
          st.loggedIn = false;
          attempt();
        }
      } catch (err) {
        const ckr = ckrOf(err);
        if (!ckr) throw err;
        if (isRemovalCkr(ckr)) this.forget(slot);
        let after;
        try {
          after = decodeTokenFlags(0, p11.C_GetTokenInfo(h).flags);
        } catch {
          after = undefined;
        }
        return loginFailure(ckr, after);
      }
      st.loggedIn = true;
      return { ok: true };
    });
  }

  logout(slot: SlotId): null {
    const st = this.state.get(slot);
    const p11 = this.module();
    if (st?.session) {
      if (st.loggedIn) this.quietly(() => p11.C_Logout(st.session as Handle));
      this.quietly(() => p11.C_CloseSession(st.session as Handle));
    }
    this.state.delete(slot);
    return null;
  }

  mechanisms(slot: SlotId): MechanismSupport {
    const p11 = this.module();
    const h = this.handle(slot);
    return this.guardRemoval(slot, () => {
      const all = p11.C_GetMechanismList(h);
      const canSign = (m: number): boolean => all.includes(m) && (p11.C_GetMechanismInfo(h, m).flags & CK.CKF_SIGN) !== 0;
      return { rsaPkcs: canSign(CK.CKM_RSA_PKCS), rsaPss: canSign(CK.CKM_RSA_PKCS_PSS), ecdsa: canSign(CK.CKM_ECDSA), all };
    });
  }

  sign(slot: SlotId, keyId: string, algo: SignAlgorithm, data: Uint8Array): Uint8Array {
    const problem = checkSignInput(algo, data);
    if (problem) throw new CardFault('bad-request', problem);
    return this.onSlot(slot, (p11, session, st) =>
      signWithKey(p11, session, this.privateKey(slot, session, st, keyId), keyId, algo, data, this.signLatencyMs),
    );
  }

  keyProtection(slot: SlotId, keyId: string): KeyProtection {
    return this.onSlot(slot, (p11, session, st) => inspectKeyProtection(p11, session, this.privateKey(slot, session, st, keyId)));
  }

  finalize(): null {
    this.watcher?.stop();
    this.watcher = undefined;
    const p11 = this.p11;
    if (!p11) return null;
    for (const slot of [...this.state.keys()]) this.logout(slot);
    this.quietly(() => p11.C_Finalize());
    this.quietly(() => p11.close());
    this.p11 = undefined;
    return null;
  }

  // ---- internals ----

  private module(): pkcs11js.PKCS11 {
    if (!this.p11) throw new CardFault('not-initialized', 'the card worker has no PKCS#11 module loaded');
    return this.p11;
  }

  private refreshHandles(present: boolean): Handle[] {
    const list = this.module().C_GetSlotList(present);
    for (const h of list) this.handles.set(slotIdOf(h), h);
    return list;
  }

  private handle(slot: SlotId): Handle {
    let h = this.handles.get(slot);
    if (!h) {
      this.refreshHandles(false);
      h = this.handles.get(slot);
    }
    if (!h) throw new CardFault('slot-not-found', `no slot ${slot} in ${this.modulePath}`);
    return h;
  }

  /** Runs `fn` with the slot's session (opened on first use); a removal CKR drops the slot's state. */
  private onSlot<T>(slot: SlotId, fn: (p11: pkcs11js.PKCS11, session: Handle, st: SlotState) => T): T {
    const p11 = this.module();
    const h = this.handle(slot);
    return this.guardRemoval(slot, () => {
      let st = this.state.get(slot);
      if (!st) {
        st = { loggedIn: false };
        this.state.set(slot, st);
      }
      // Read-only is enough: we sign and read, never create objects.
      st.session ??= p11.C_OpenSession(h, pkcs11js.CKF_SERIAL_SESSION);
      return fn(p11, st.session, st);
    });
  }

  private guardRemoval<T>(slot: SlotId, fn: () => T): T {
    try {
      return fn();
    } catch (err) {
      if (isRemovalCkr(ckrOf(err))) this.forget(slot);
      throw err;
    }
  }

  private privateKey(slot: SlotId, session: Handle, st: SlotState, keyId: string): Handle {
    const [key] = privateKeysById(this.module(), session, Buffer.from(keyId, 'hex'));
    if (key) return key;
    const flags = decodeTokenFlags(0, this.module().C_GetTokenInfo(this.handle(slot)).flags);
    if (flags.loginRequired && !st.loggedIn) throw new CardFault('not-logged-in', 'log in to the card first');
    throw new CardFault('key-not-found', `no private key with CKA_ID ${keyId} on the card`);
  }

  /** Drops the slot's session and login state (the card is gone, or its session is). */
  private forget(slot: SlotId): boolean {
    const st = this.state.get(slot);
    this.state.delete(slot);
    const h = this.handles.get(slot);
    if (h && this.p11) {
      const p11 = this.p11;
      this.quietly(() => p11.C_CloseAllSessions(h));
    }
    return st?.loggedIn ?? false;
  }

  private scan(): ScanEntry[] {
    const p11 = this.module();
    if (this.slotEventsSupported) this.drainSlotEvents();
    return this.refreshHandles(true).map((h): ScanEntry => {
      const slot = slotIdOf(h);
      try {
        if ((p11.C_GetSlotInfo(h).flags & CK.CKF_TOKEN_PRESENT) === 0) return { slot, unreadable: 'no token in the slot' };
        const ti = p11.C_GetTokenInfo(h);
        if ((ti.flags & CK.CKF_TOKEN_INITIALIZED) === 0) return { slot, unreadable: 'the token is not initialised' };
        return { slot, token: { label: p11String(ti.label), serial: p11String(ti.serialNumber) } };
      } catch (err) {
        const ckr = ckrOf(err);
        if (!ckr) throw err;
        // SoftHSM2 keeps listing a slot whose token directory is gone and fails C_GetTokenInfo
        // with CKR_GENERAL_ERROR; a reader keeps a slot and answers CKR_TOKEN_NOT_PRESENT.
        // Either way the token can no longer be used.
        return { slot, unreadable: `C_GetTokenInfo failed with ${ckr}` };
      }
    });
  }

  private onWatchEvent(e: WatchEvent): void {
    if (e.type === 'token-removed') {
      const wasLoggedIn = this.forget(e.slot);
      this.emit({ ...e, wasLoggedIn });
    } else {
      this.emit(e);
    }
  }

  /** C_WaitForSlotEvent(CKF_DONT_BLOCK) is optional in PKCS#11; many modules lack it. */
  private probeSlotEvents(): boolean {
    try {
      this.drainSlotEvents();
      return true;
    } catch {
      return false;
    }
  }

  /**
   * Reads pending slot events without blocking. The scan that follows looks at every slot
   * anyway; draining keeps modules that queue events (OpenSC) from growing the queue, and some
   * only refresh their reader state here.
   */
  private drainSlotEvents(): void {
    const p11 = this.module();
    for (let i = 0; i < 32 && p11.C_WaitForSlotEvent(pkcs11js.CKF_DONT_BLOCK) !== null; i++);
  }

  private quietly(fn: () => void): void {
    try {
      fn();
    } catch {
      // cleanup on a card that may be gone: nothing useful to do with the error
    }
  }
}
