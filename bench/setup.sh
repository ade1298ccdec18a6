#!/usr/bin/env bash
# Create bench/.venv and install bench/requirements.txt. Idempotent:
# does nothing if the venv already satisfies the pinned requirements.
set -euo pipefail
HERE="$(cd "$(dirname "${BASH_SOURCE[0]}")" && pwd)"
VENV="$HERE/.venv"
REQ="$HERE/requirements.txt"
PY="${PYTHON:-python3}"

if [ ! -x "$VENV/bin/python" ]; then
    echo "setup.sh: creating $VENV"
    "$PY" -m venv "$VENV"
fi

# Skip the install when every pinned requirement is already present.
if "$VENV/bin/python" - "$REQ" <<'PYEOF'
import sys
from importlib.metadata import version, PackageNotFoundError
ok = True
for line in open(sys.argv[1]):
    line = line.split("#", 1)[0].strip()
    if not line:
        continue
    name, _, want = line.partition("==")
    try:
        have = version(name.strip())
    except PackageNotFoundError:
        ok = False
        break
    if want and have != want.strip():
        ok = False
        break
sys.exit(0 if ok else 1)
PYEOF
then
    echo "setup.sh: $VENV already has the pinned requirements; nothing to do"
    exit 0
fi

echo "setup.sh: installing $REQ into $VENV"
"$VENV/bin/python" -m pip install --quiet --upgrade pip
"$VENV/bin/python" -m pip install --quiet -r "$REQ"
echo "setup.sh: done"
