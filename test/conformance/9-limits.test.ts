/** Autobahn category 9 (limits) against the server: the cases are in ./cases/9-limits. */
import { LIMITS_CASES } from './cases/9-limits';
import { describeCases } from './shared/autobahn-case';
import { serverRole } from './server-role';

describeCases(LIMITS_CASES, serverRole());
