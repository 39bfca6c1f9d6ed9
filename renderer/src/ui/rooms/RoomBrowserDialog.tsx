import { useEffect, useId, useRef, useState } from 'react';
import { parseAccountJid } from '../../../../shared/xmpp/jid';
import { t } from '../../i18n/en';
import { getBastion } from '../../ipc/bastion';
import { useAccount } from '../../state/im-selectors';
import { browseRooms, getRoomInfo, joinRoom, setBookmark, type BrowseResult, type RoomInfoResult } from '../../state/rooms-actions';
import { Field } from '../common/Field';
import { ModalDialog } from '../common/ModalDialog';
import { defaultNick, featureLabel } from './room-text';

type InfoState = { readonly status: 'idle' } | { readonly status: 'loading' } | { readonly status: 'ready'; readonly info: RoomInfoResult } | { readonly status: 'failed'; readonly message: string };

/**
 * Finds a room: the conference services of our server and their public rooms, filtered by name,
 * address or description; the details of one (getRoomInfo); join it with a nick (and password),
 * or bookmark it. A room that is not listed can be typed in.
 */
export function RoomBrowserDialog({ onClose, initialRoom, initialNick }: { readonly onClose: () => void; readonly initialRoom?: string; readonly initialNick?: string | undefined }): React.JSX.Element {
  const id = useId();
  const account = useAccount();
  const [services, setServices] = useState<readonly string[]>([]);
  const [service, setService] = useState<string | undefined>();
  const [filter, setFilter] = useState('');
  const [result, setResult] = useState<BrowseResult | undefined>();
  const [searching, setSearching] = useState(false);
  const [searchError, setSearchError] = useState<string | undefined>();
  const [address, setAddress] = useState(initialRoom ?? '');
  const [addressError, setAddressError] = useState<string | undefined>();
  const [info, setInfo] = useState<InfoState>({ status: 'idle' });
  const [nick, setNick] = useState(initialNick ?? defaultNick(account));
  const [password, setPassword] = useState('');
  const [autojoin, setAutojoin] = useState(false);
  const [busy, setBusy] = useState(false);
  const [failure, setFailure] = useState<string | undefined>();
  const [note, setNote] = useState<string | undefined>();
  const filterRef = useRef<HTMLInputElement>(null);
  const passwordRef = useRef<HTMLInputElement>(null);
  const infoFor = useRef<string | undefined>(undefined);

  const search = async (svc: string | undefined, text: string): Promise<void> => {
    setSearching(true);
    setSearchError(undefined);
    const r = await browseRooms(getBastion(), svc, text);
    setSearching(false);
    if (!r.ok) {
      setSearchError(t('browser.failed', { message: r.error.message }));
      return;
    }
    setResult(r.value);
    setServices(r.value.services);
    setService(r.value.service);
  };

  const loadInfo = async (room: string): Promise<void> => {
    infoFor.current = room;
    setInfo({ status: 'loading' });
    const r = await getRoomInfo(getBastion(), room);
    if (infoFor.current !== room) return;
    setInfo(r.ok ? { status: 'ready', info: r.value } : { status: 'failed', message: r.error.message });
  };

  useEffect(() => {
    void search(undefined, '');
    if (initialRoom) {
      void loadInfo(initialRoom);
      passwordRef.current?.focus();
    }
    // Mount-time loading.
  }, []);

  const parsedAddress = (): string | undefined => {
    const r = parseAccountJid(address.trim());
    if (address.trim() === '') setAddressError(t('browser.addressRequired'));
    else if (!r.ok) setAddressError(t('browser.addressInvalid', { reason: r.reason }));
    else {
      setAddressError(undefined);
      return r.jid;
    }
    return undefined;
  };

  const join = async (e: React.FormEvent): Promise<void> => {
    e.preventDefault();
    if (busy) return;
    const room = parsedAddress();
    if (!room) return;
    if (nick.trim() === '') {
      setFailure(t('browser.nickRequired'));
      return;
    }
    setBusy(true);
    setFailure(undefined);
    setNote(undefined);
    const r = await joinRoom(getBastion(), room, nick.trim(), password || undefined);
    setBusy(false);
    if (r.ok) onClose();
    else setFailure(t('rooms.joinFailed', { message: r.error.message }));
  };

  const bookmark = async (): Promise<void> => {
    if (busy) return;
    const room = parsedAddress();
    if (!room) return;
    setBusy(true);
    setFailure(undefined);
    const name = info.status === 'ready' ? info.info.name : undefined;
    const err = await setBookmark(getBastion(), { room, autojoin, ...(name ? { name } : {}), ...(nick.trim() ? { nick: nick.trim() } : {}), ...(password ? { password } : {}) });
    setBusy(false);
    if (err) setFailure(t('bookmarks.failed', { message: err.message }));
    else setNote(t('bookmarks.saved', { room }));
  };

  const chooseRoom = (jid: string): void => {
    setAddress(jid);
    setAddressError(undefined);
    void loadInfo(jid);
  };

  const rooms = result?.rooms ?? [];
  const details = info.status === 'ready' ? info.info : undefined;
  const features = (details?.features ?? []).map(featureLabel).filter((x): x is string => x !== undefined);
  const needsPassword = details?.features.includes('muc_passwordprotected') ?? false;

  return (
    <ModalDialog labelledBy={`${id}-title`} onCancel={onClose} initialFocus={initialRoom ? passwordRef : filterRef} className="form-dialog browser-dialog">
      <h2 id={`${id}-title`}>{t('browser.title')}</h2>
      <form
        className="browser-search"
        role="search"
        aria-label={t('browser.searchLabel')}
        onSubmit={(e) => {
          e.preventDefault();
          void search(service, filter);
        }}
      >
        {services.length > 1 && (
          <div className="field">
            <label htmlFor={`${id}-service`}>{t('browser.service')}</label>
            <select
              id={`${id}-service`}
              value={service ?? ''}
              onChange={(e) => {
                setService(e.target.value);
                void search(e.target.value, filter);
              }}
            >
              {services.map((s) => (
                <option key={s} value={s}>
                  {s}
                </option>
              ))}
            </select>
          </div>
        )}
        <div className="field browser-filter">
          <label htmlFor={`${id}-filter`}>{t('browser.filter')}</label>
          <span className="inline-row">
            <input id={`${id}-filter`} ref={filterRef} type="search" value={filter} autoComplete="off" spellCheck={false} maxLength={256} onChange={(e) => setFilter(e.target.value)} />
            <button type="submit">{t('browser.search')}</button>
          </span>
        </div>
      </form>
      <div className="browser-results" aria-busy={searching || undefined}>
        <p className="muted" role="status" data-testid="browser-status">
          {searching
            ? t('browser.searching')
            : searchError
              ? ''
              : result
                ? result.service
                  ? rooms.length === 0
                    ? t('browser.noRooms', { service: result.service })
                    : t(result.complete ? (rooms.length === 1 ? 'browser.countOne' : 'browser.count') : 'browser.countPartial', { count: rooms.length, service: result.service })
                  : t('browser.noService')
                : ''}
        </p>
        {searchError && (
          <p role="alert" className="field-error">
            {searchError}
          </p>
        )}
        {rooms.length > 0 && (
          <fieldset className="room-choices">
            <legend className="visually-hidden">{t('browser.results')}</legend>
            {rooms.map((r, i) => (
              <div key={r.jid} className="room-choice">
                <input type="radio" id={`${id}-r${i}`} name={`${id}-room`} value={r.jid} checked={address === r.jid} onChange={() => chooseRoom(r.jid)} />
                <label htmlFor={`${id}-r${i}`}>
                  <span className="roster-name">{r.name?.trim() || r.jid}</span> <span className="muted room-choice-jid">{r.jid}</span>
                </label>
              </div>
            ))}
          </fieldset>
        )}
      </div>
      <form onSubmit={(e) => void join(e)} noValidate className="browser-join">
        {failure && (
          <p role="alert" className="alert alert-error">
            {failure}
          </p>
        )}
        {note && (
          <p role="status" className="alert alert-info">
            {note}
          </p>
        )}
        <Field
          id={`${id}-address`}
          label={t('browser.address')}
          hint={t('browser.addressHint')}
          error={addressError}
          type="text"
          autoComplete="off"
          spellCheck={false}
          value={address}
          onChange={(e) => {
            setAddress(e.target.value);
            setAddressError(undefined);
          }}
          onBlur={() => {
            const r = parseAccountJid(address.trim());
            if (r.ok && r.jid !== infoFor.current) void loadInfo(r.jid);
          }}
        />
        <RoomDetails state={info} features={features} />
        <Field id={`${id}-nick`} label={t('browser.nick')} type="text" autoComplete="off" maxLength={1023} value={nick} onChange={(e) => setNick(e.target.value)} />
        <Field
          id={`${id}-password`}
          inputRef={passwordRef}
          label={needsPassword ? t('browser.passwordNeeded') : t('browser.password')}
          type="password"
          autoComplete="off"
          maxLength={1024}
          value={password}
          onChange={(e) => setPassword(e.target.value)}
        />
        <div className="field field-check">
          <input id={`${id}-autojoin`} type="checkbox" checked={autojoin} onChange={(e) => setAutojoin(e.target.checked)} />
          <label htmlFor={`${id}-autojoin`}>{t('browser.autojoin')}</label>
        </div>
        <div className="actions">
          <button type="button" onClick={onClose}>
            {t('browser.close')}
          </button>
          <button type="button" aria-disabled={busy || undefined} onClick={() => void bookmark()}>
            {t('browser.bookmark')}
          </button>
          <button type="submit" className="button-primary" aria-disabled={busy || undefined}>
            {busy ? t('browser.joining') : t('browser.join')}
          </button>
        </div>
      </form>
    </ModalDialog>
  );
}

function RoomDetails({ state, features }: { readonly state: InfoState; readonly features: readonly string[] }): React.JSX.Element | null {
  if (state.status === 'idle') return null;
  if (state.status === 'loading') return <p className="muted">{t('browser.infoLoading')}</p>;
  if (state.status === 'failed') return <p className="field-error">{t('browser.infoFailed', { message: state.message })}</p>;
  const i = state.info;
  return (
    <section className="room-details" aria-label={t('browser.details')} data-testid="room-details">
      <dl className="facts facts-compact">
        <dt>{t('browser.name')}</dt>
        <dd>{i.name ?? i.room}</dd>
        {i.description && (
          <>
            <dt>{t('browser.description')}</dt>
            <dd>{i.description}</dd>
          </>
        )}
        {i.subject && (
          <>
            <dt>{t('browser.subject')}</dt>
            <dd>{i.subject}</dd>
          </>
        )}
        {i.occupants !== undefined && (
          <>
            <dt>{t('browser.occupants')}</dt>
            <dd>{i.occupants}</dd>
          </>
        )}
        {features.length > 0 && (
          <>
            <dt>{t('browser.features')}</dt>
            <dd>{features.join(' · ')}</dd>
          </>
        )}
      </dl>
    </section>
  );
}
