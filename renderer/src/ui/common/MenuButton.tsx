import { useEffect, useId, useLayoutEffect, useRef, useState, type ReactNode } from 'react';

export interface MenuItem {
  readonly id: string;
  readonly label: string;
  readonly danger?: boolean;
  readonly onSelect: () => void;
}

export interface MenuButtonProps {
  /** The button's accessible name (e.g. "Actions for bob"). */
  readonly label: string;
  /** What the button shows (an icon …); the label when absent. */
  readonly content?: ReactNode;
  readonly items: readonly MenuItem[];
  readonly className?: string;
  readonly testId?: string;
}

/**
 * The WAI-ARIA menu button pattern: Enter, Space or Down opens the menu on its first item, Up on
 * its last; Up/Down/Home/End move, Enter/Space choose, Escape closes and returns to the button,
 * Tab closes. The menu is a manual popover, so it sits in the top layer and is not clipped by a
 * scrolling list around the button; it is placed from script (CSSOM), which the CSP allows.
 */
export function MenuButton({ label, content, items, className, testId }: MenuButtonProps): React.JSX.Element {
  const id = useId();
  const [open, setOpen] = useState<false | 'first' | 'last'>(false);
  const buttonRef = useRef<HTMLButtonElement>(null);
  const menuRef = useRef<HTMLUListElement>(null);

  const itemEls = (): HTMLElement[] => [...(menuRef.current?.querySelectorAll<HTMLElement>('[role="menuitem"]') ?? [])];

  useLayoutEffect(() => {
    const menu = menuRef.current;
    const button = buttonRef.current;
    if (!open || !menu || !button) return;
    if (!menu.matches(':popover-open')) menu.showPopover();
    const r = button.getBoundingClientRect();
    const width = menu.offsetWidth;
    const height = menu.offsetHeight;
    const left = Math.max(8, Math.min(r.right - width, window.innerWidth - width - 8));
    const below = r.bottom + 4;
    const top = below + height > window.innerHeight - 8 ? Math.max(8, r.top - height - 4) : below;
    menu.style.left = `${left}px`;
    menu.style.top = `${top}px`;
    const els = itemEls();
    (open === 'last' ? els[els.length - 1] : els[0])?.focus();
  }, [open]);

  // A click elsewhere closes the menu (focus stays where the user put it).
  useEffect(() => {
    if (!open) return undefined;
    const onDown = (e: MouseEvent): void => {
      const t = e.target as Node;
      if (!menuRef.current?.contains(t) && !buttonRef.current?.contains(t)) setOpen(false);
    };
    document.addEventListener('mousedown', onDown);
    return () => document.removeEventListener('mousedown', onDown);
  }, [open]);

  const close = (focusButton: boolean): void => {
    setOpen(false);
    if (focusButton) buttonRef.current?.focus();
  };

  const onButtonKey = (e: React.KeyboardEvent): void => {
    if (e.key === 'ArrowDown' || e.key === 'Enter' || e.key === ' ') {
      e.preventDefault();
      setOpen('first');
    } else if (e.key === 'ArrowUp') {
      e.preventDefault();
      setOpen('last');
    }
  };

  const onMenuKey = (e: React.KeyboardEvent): void => {
    const els = itemEls();
    const i = els.indexOf(document.activeElement as HTMLElement);
    let next: number | undefined;
    if (e.key === 'ArrowDown') next = (i + 1) % els.length;
    else if (e.key === 'ArrowUp') next = (i - 1 + els.length) % els.length;
    else if (e.key === 'Home') next = 0;
    else if (e.key === 'End') next = els.length - 1;
    else if (e.key === 'Escape') {
      e.preventDefault();
      e.stopPropagation();
      close(true);
      return;
    } else if (e.key === 'Tab') {
      close(false);
      return;
    }
    if (next !== undefined) {
      e.preventDefault();
      els[next]?.focus();
    }
  };

  const choose = (item: MenuItem): void => {
    // Focus goes back to the button first, so a dialog the item opens returns focus there.
    close(true);
    item.onSelect();
  };

  return (
    <span className="menu-button">
      <button
        ref={buttonRef}
        type="button"
        className={className}
        aria-haspopup="menu"
        aria-expanded={open !== false}
        aria-controls={open ? `${id}-menu` : undefined}
        aria-label={content !== undefined ? label : undefined}
        data-testid={testId}
        onClick={() => (open ? close(false) : setOpen('first'))}
        onKeyDown={onButtonKey}
      >
        {content ?? label}
      </button>
      {open && (
        <ul ref={menuRef} id={`${id}-menu`} role="menu" aria-label={label} className="menu-popup" popover="manual" onKeyDown={onMenuKey}>
          {items.map((item) => (
            <li
              key={item.id}
              role="menuitem"
              tabIndex={-1}
              className={item.danger ? 'menu-item menu-item-danger' : 'menu-item'}
              data-action={item.id}
              onClick={() => choose(item)}
              onKeyDown={(e) => {
                if (e.key === 'Enter' || e.key === ' ') {
                  e.preventDefault();
                  choose(item);
                }
              }}
            >
              {item.label}
            </li>
          ))}
        </ul>
      )}
    </span>
  );
}
