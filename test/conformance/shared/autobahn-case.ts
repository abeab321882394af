/**
 * Autobahn cases declared once and run in both roles. A case table is a tree of groups (jest
 * describe blocks) whose leaves are cases (jest tests); `describeCases` turns it into tests for
 * one role, titled `<prefix><id> <title>` as the Autobahn reports name them.
 *
 * Where the two suites hold their peers to different expectations for the same bytes, a table
 * has a `RoleSpecificCase`: it fixes the id, title and place, and each role's test file must
 * supply the run (describeCases fails at collection otherwise, so no case can be lost).
 */
import type { Tester } from './tester';

export type RoleUnderTest = 'server' | 'client';

/** Settings of the library under test that a group needs (the server's or the client's options). */
export interface PeerOptions {
  readonly maxLength?: number;
}

export interface SharedCase {
  /** Autobahn's id ('5.19'), or '<group>.ext…' for cases beyond Autobahn. */
  readonly id: string;
  readonly title: string;
  run(t: Tester): Promise<void>;
}

export interface RoleSpecificCase {
  readonly id: string;
  readonly title: string;
  /** Why the roles check different things here. */
  readonly roleSpecific: string;
}

export type AutobahnCase = SharedCase | RoleSpecificCase;

export interface CaseGroup {
  readonly title: string;
  /** Options of the peer under test for this group (default: the library's defaults). */
  readonly peerOptions?: PeerOptions;
  /** Jest timeout for each test of the group. */
  readonly timeoutMs?: number;
  readonly entries: ReadonlyArray<AutobahnCase | CaseGroup>;
}

/** How one role runs cases. */
export interface Role<T extends Tester> {
  readonly name: RoleUnderTest;
  /** Prefix of every describe and test title ('' for the server suite, 'client ' for the client's). */
  readonly titlePrefix: string;
  /**
   * Called while describing: registers the jest hooks a peer under test with `options` needs,
   * and returns how a test opens one connection to it.
   */
  peer(options?: PeerOptions): () => Promise<T>;
}

export type RoleSpecificRuns<T extends Tester> = Readonly<Record<string, (t: T) => Promise<void>>>;

/** The role-specific cases in `groups`, depth first. */
function roleSpecificCases(groups: readonly CaseGroup[]): RoleSpecificCase[] {
  return groups.flatMap((group) =>
    group.entries.flatMap((entry): RoleSpecificCase[] => ('entries' in entry ? roleSpecificCases([entry]) : 'roleSpecific' in entry ? [entry] : [])),
  );
}

/** Throws unless `runs` has a run for every role-specific case of `groups`, and for nothing else. */
export function checkRoleSpecificRuns(groups: readonly CaseGroup[], roleName: RoleUnderTest, runs: Readonly<Record<string, unknown>>): void {
  const wanted = roleSpecificCases(groups);
  const missing = wanted.filter((entry) => runs[entry.id] === undefined);
  if (missing.length > 0) throw new Error(`${roleName} role: no run for the role-specific case(s) ${missing.map((e) => `${e.id} (${e.roleSpecific})`).join(', ')}`);
  const stray = Object.keys(runs).filter((id) => !wanted.some((entry) => entry.id === id));
  if (stray.length > 0) throw new Error(`${roleName} role: runs for cases that are not role-specific in the table: ${stray.join(', ')}`);
}

/** Describes `groups` as jest blocks and tests for `role`; role-specific cases take their runs from `roleSpecific`. */
export function describeCases<T extends Tester>(groups: readonly CaseGroup[], role: Role<T>, roleSpecific: RoleSpecificRuns<T> = {}): void {
  checkRoleSpecificRuns(groups, role.name, roleSpecific);
  const describeGroup = (group: CaseGroup, connect: () => Promise<T>): void => {
    describe(`${role.titlePrefix}${group.title}`, () => {
      const groupConnect = group.peerOptions === undefined ? connect : role.peer(group.peerOptions);
      for (const entry of group.entries) {
        if ('entries' in entry) {
          describeGroup(entry, groupConnect);
          continue;
        }
        const run = 'run' in entry ? entry.run : roleSpecific[entry.id]!;
        const runTest = async (): Promise<void> => {
          const t = await groupConnect();
          await run(t);
          t.finish();
        };
        test(`${role.titlePrefix}${entry.id} ${entry.title}`, runTest, group.timeoutMs);
      }
    });
  };
  const open = role.peer();
  for (const group of groups) describeGroup(group, open);
}
