/** Autobahn category 9 (limits) against the client: the cases are in ../cases/9-limits. */
import { LIMITS_CASES } from '../cases/9-limits';
import { describeCases } from '../shared/autobahn-case';
import { clientRole } from './client-role';

describeCases(LIMITS_CASES, clientRole());
