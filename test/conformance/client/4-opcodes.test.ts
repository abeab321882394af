/** Autobahn category 4 (reserved opcodes) against the client: the cases are in ../cases/4-opcodes. */
import { OPCODE_CASES } from '../cases/4-opcodes';
import { describeCases } from '../shared/autobahn-case';
import { clientRole } from './client-role';

describeCases(OPCODE_CASES, clientRole());
