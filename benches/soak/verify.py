"""Checks that every write scim-load acknowledged is in a Scimitar SQLite database.

    python3 verify.py DB ACKNOWLEDGED

ACKNOWLEDGED holds the lines of `scim-load --acknowledged`: `user ID`, `group ID` and
`members GROUP_ID MEMBER_ID...`. Reads the store's `resources` and `members` tables
(read-only). Prints the counts; exits 1 if anything acknowledged is missing.
"""

import sqlite3
import sys


def main(db, acknowledged):
    connection = sqlite3.connect(f"file:{db}?mode=ro", uri=True)
    stored = {row[0]: row[1] for row in connection.execute("SELECT id, resource_type FROM resources")}
    memberships = set(connection.execute("SELECT group_id, member_id FROM members"))
    expected = {"User": 0, "Group": 0, "membership": 0}
    missing = []
    with open(acknowledged, encoding="utf-8") as lines:
        for line in lines:
            kind, first, *rest = line.split()
            if kind in ("user", "group"):
                resource_type = "User" if kind == "user" else "Group"
                expected[resource_type] += 1
                if stored.get(first) != resource_type:
                    missing.append(line.strip())
            elif kind == "members":
                for member in rest:
                    expected["membership"] += 1
                    if (first, member) not in memberships:
                        missing.append(f"member {member} of {first}")
            else:
                missing.append(f"unreadable line: {line.strip()}")
    print(
        f"acknowledged: {expected['User']} users, {expected['Group']} groups, "
        f"{expected['membership']} memberships; stored: {len(stored)} resources, "
        f"{len(memberships)} memberships; missing: {len(missing)}"
    )
    for what in missing[:10]:
        print(f"  missing: {what}")
    return 1 if missing else 0


if __name__ == "__main__":
    if len(sys.argv) != 3:
        sys.exit(__doc__)
    sys.exit(main(sys.argv[1], sys.argv[2]))
