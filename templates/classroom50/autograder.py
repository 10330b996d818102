#!/usr/bin/env python3
"""node-cluster-lab autograder for Classroom 50.

Put it in your classroom50 repository as CLASSROOM/autograders/ASSIGNMENT/autograder.py
(one assignment) or set it as the classroom default (gh teacher autograder set-default
--from autograder.py), and give the assignment a Node runtime in assignments.json:
"runtime": {"node": "20"}.

The Classroom 50 runner starts it in the learner's checkout (a workspace made by
`npx node-cluster-lab init`). It runs the kit's checkers and writes result.json
(schema classroom50/result/v1): one test per step, scored by the lessons'
weights. It exits 0 whenever the checkers ran, passed or not: a failing grade is
not a grader failure. Any other exit makes the runner publish an error result.
"""

import os
import pathlib
import subprocess
import sys

# The kit version your class's workspaces were made with. It is installed from
# the npm registry, never from the learner's package.json, which they can edit.
KIT_VERSION = "0.1.0"
# The labs this assignment grades, e.g. ["01-ipc"]; empty grades every lab.
LABS: list[str] = []

RESULT = pathlib.Path("result.json")
# For trying this script against a local build: NCL_KIT_PACKAGE=/path/to/node-cluster-lab-x.y.z.tgz
# and NCL_LABS="01-ipc 03-shared-handle". The Classroom 50 runner sets neither.
KIT_PACKAGE = os.environ.get("NCL_KIT_PACKAGE") or f"node-cluster-lab@{KIT_VERSION}"
LABS = os.environ.get("NCL_LABS", "").split() or LABS


def main() -> int:
    labs_dir = pathlib.Path("labs")
    if not labs_dir.is_dir():
        print("::error::no labs/ folder here: was this repository made with `npx node-cluster-lab init`?", file=sys.stderr)
        return 1
    if RESULT.exists():
        RESULT.unlink()
    command = [
        "npx", "--yes", f"--package={KIT_PACKAGE}", "--",
        "node-cluster-lab", "verify", *(LABS or ["--all"]), "--dir", str(labs_dir),
        "--reporter", f"classroom50={RESULT}", "--reporter", "pretty",
    ]
    env = {**os.environ, "NO_COLOR": "1"}
    try:
        code = subprocess.run(command, env=env, check=False).returncode
    except OSError as exc:
        print(f"::error::could not start npx ({exc}): give the assignment a Node runtime, e.g. \"runtime\": {{\"node\": \"20\"}}", file=sys.stderr)
        return 1
    # 0: every lab passed; 1: some step failed. Both are grades.
    if code in (0, 1) and RESULT.is_file():
        return 0
    print(f"::error::node-cluster-lab verify exited {code} without a grade", file=sys.stderr)
    return 1


if __name__ == "__main__":
    sys.exit(main())
