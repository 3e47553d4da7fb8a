export * from './context.js';
export * from './errors.js';
export * from './indices.js';
export * from './message.js';
export * from './session.js';
export * from './tokens.js';
export * from './portable.js';
export * from './settings.js';
