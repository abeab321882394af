/** Autobahn category 5 (fragmentation) against the client: the cases are in ../cases/5-fragmentation. */
import { FRAGMENTATION_CASES } from '../cases/5-fragmentation';
import { describeCases } from '../shared/autobahn-case';
import { clientRole } from './client-role';

describeCases(FRAGMENTATION_CASES, clientRole());
