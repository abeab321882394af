/** `hatchway`: the sessions, the errors, and the Connect/Express middleware and helpers. */
export * from './connect.js';
