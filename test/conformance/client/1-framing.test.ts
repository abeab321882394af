/** Autobahn category 1 (framing) against the client: the cases are in ../cases/1-framing. */
import { FRAMING_CASES } from '../cases/1-framing';
import { describeCases } from '../shared/autobahn-case';
import { clientRole } from './client-role';

describeCases(FRAMING_CASES, clientRole());
