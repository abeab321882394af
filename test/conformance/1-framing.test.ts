/** Autobahn category 1 (framing) against the server: the cases are in ./cases/1-framing. */
import { FRAMING_CASES } from './cases/1-framing';
import { describeCases } from './shared/autobahn-case';
import { serverRole } from './server-role';

describeCases(FRAMING_CASES, serverRole());
