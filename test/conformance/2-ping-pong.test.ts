/** Autobahn category 2 (ping / pong) against the server: the cases are in ./cases/2-ping-pong. */
import { PING_PONG_CASES } from './cases/2-ping-pong';
import { describeCases } from './shared/autobahn-case';
import { serverRole } from './server-role';

describeCases(PING_PONG_CASES, serverRole());
