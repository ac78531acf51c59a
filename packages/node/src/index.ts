export * from './outcomes.ts';
export * from './registrar.ts';
export * from './gateway-call.ts';
export * from './conferencing-node.ts';
