import type { BastionApi } from '../../shared/ipc/contract';

declare global {
  interface Window {
    /** Provided by the Electron preload or the browser host's bridge; the renderer's only way out. */
    readonly bastion: BastionApi;
  }
}
