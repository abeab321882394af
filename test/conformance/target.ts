/**
 * The server under test. Every conformance file imports it from here, so switching targets is a
 * one-line change.
 */
export { startEchoServer, type EchoServer } from '../helpers/echo-server';
