/** Autobahn category 5 (fragmentation) against the server: the cases are in ./cases/5-fragmentation. */
import { FRAGMENTATION_CASES } from './cases/5-fragmentation';
import { describeCases } from './shared/autobahn-case';
import { serverRole } from './server-role';

describeCases(FRAGMENTATION_CASES, serverRole());
