/** Autobahn category 4 (reserved opcodes) against the server: the cases are in ./cases/4-opcodes. */
import { OPCODE_CASES } from './cases/4-opcodes';
import { describeCases } from './shared/autobahn-case';
import { serverRole } from './server-role';

describeCases(OPCODE_CASES, serverRole());
