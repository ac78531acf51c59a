export * from './dial-string.ts';
export * from './vtc.ts';
