/** Autobahn category 6 (UTF-8) against the server: the cases are in ./cases/6-utf8. */
import { UTF8_CASES } from './cases/6-utf8';
import { describeCases } from './shared/autobahn-case';
import { serverRole } from './server-role';

describeCases(UTF8_CASES, serverRole());
