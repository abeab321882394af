/**
 * Autobahn grades a case OK, NON-STRICT, INFORMATIONAL or FAILED; a passing jest test only says
 * "not FAILED". The weaker passes are recorded here so a run can report them.
 */
import { appendFileSync } from 'node:fs';

/**
 * Record a case that passed with a grade weaker than OK (NON-STRICT, INFORMATIONAL, or
 * OK-by-TCP-drop). Appended as JSON lines to $CONFORMANCE_GRADES_FILE when that is set.
 */
export function noteGrade(grade: string, detail = ''): void {
  const file = process.env['CONFORMANCE_GRADES_FILE'];
  if (!file || grade === 'OK') return;
  const test = expect.getState().currentTestName ?? '(unknown test)';
  appendFileSync(file, JSON.stringify({ test, grade, detail }) + '\n');
}
