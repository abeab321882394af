/** Autobahn category 10 (auto-fragmentation) against the client: the cases are in ../cases/10-auto-fragmentation. */
import { AUTO_FRAGMENTATION_CASES } from '../cases/10-auto-fragmentation';
import { describeCases } from '../shared/autobahn-case';
import { clientRole } from './client-role';

describeCases(AUTO_FRAGMENTATION_CASES, clientRole());
