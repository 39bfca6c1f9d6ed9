export * from './names';
export * from './result';
export * from './contract';
export * from './im';
export * from './rooms';
