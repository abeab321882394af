/** Autobahn category 2 (ping / pong) against the client: the cases are in ../cases/2-ping-pong. */
import { PING_PONG_CASES } from '../cases/2-ping-pong';
import { describeCases } from '../shared/autobahn-case';
import { clientRole } from './client-role';

describeCases(PING_PONG_CASES, clientRole());
