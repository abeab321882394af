/** Autobahn category 6 (UTF-8) against the client: the cases are in ../cases/6-utf8. */
import { UTF8_CASES } from '../cases/6-utf8';
import { describeCases } from '../shared/autobahn-case';
import { clientRole } from './client-role';

describeCases(UTF8_CASES, clientRole());
