import type { BastionApi } from '../../../shared/ipc/contract';

/**
 * The renderer's only door to the main process. Fails loudly when the page was opened without
 * a preload or bridge, instead of half-working.
 */
export function getBastion(): BastionApi {
  const api = (window as Partial<Window>).bastion;
  if (!api) throw new Error('window.bastion is missing: open Bastion through Electron or the browser host');
  return api;
}
