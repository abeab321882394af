/** Autobahn category 3 (reserved bits) against the server: the cases are in ./cases/3-reserved-bits. */
import { RESERVED_BITS_CASES } from './cases/3-reserved-bits';
import { describeCases } from './shared/autobahn-case';
import { serverRole } from './server-role';

describeCases(RESERVED_BITS_CASES, serverRole());
