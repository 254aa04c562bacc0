"""commit-msg hook: a summary line of 1-72 characters without a trailing period,
then a blank line before any body. Usage: check-commit-message.py MESSAGE_FILE"""

import sys

lines = open(sys.argv[1], encoding="utf-8").read().splitlines()
# git adds comment lines to the editor's template; they are not part of the message.
lines = [line for line in lines if not line.startswith("#")]
summary = lines[0] if lines else ""
ok = 0 < len(summary) <= 72 and not summary.endswith(".") and (len(lines) < 2 or lines[1] == "")
if not ok:
    print("commit message: a summary of 1-72 characters, no trailing period, then a blank line")
    sys.exit(1)
