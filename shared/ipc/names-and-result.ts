// The zod-free part of the contract, for the sandboxed preload and the browser bridge.
export * from './names';
export * from './result';
