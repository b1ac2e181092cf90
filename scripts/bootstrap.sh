#!/usr/bin/env bash
# Create .venv and install requirements-dev.txt (which includes requirements.txt); reinstall only
# when either file changed since the last install (sha256 kept in .venv/.requirements.sha256).
set -euo pipefail
cd "$(dirname "$0")/.."

say() { echo "[bootstrap] $*"; }
pip() {  # quiet pip, minus the warning a missing local index in pip.conf prints for every package
  { .venv/bin/python -m pip "$@" --quiet 2>&1 1>&3 |
    sed '/^WARNING: Location .* is ignored: it is neither a file nor a directory\.$/d' >&2; } 3>&1
}
stamp=.venv/.requirements.sha256
created=""

if ! .venv/bin/python -c '' 2>/dev/null; then  # missing, or broken (its Python moved)
  python3 -m venv --clear .venv || { say "python3 -m venv failed: install python3-venv"; exit 1; }
  created=1
fi

want=$(sha256sum requirements.txt requirements-dev.txt | sha256sum | cut -d' ' -f1)
# The translations' .mo files are built, not kept in git: compiled with Babel (no gettext needed).
compile_messages() { .venv/bin/python scripts/messages.py compile | sed 's/^/[bootstrap] /'; }
if [ -z "$created" ] && [ "$(cat "$stamp" 2>/dev/null)" = "$want" ]; then
  say "requirements unchanged, nothing to do"
  compile_messages
  exit 0
fi

export PIP_DISABLE_PIP_VERSION_CHECK=1
pip install --upgrade pip || true  # an old pip still installs
rm -f "$stamp"
if ! pip install -r requirements-dev.txt; then
  say "pip install -r requirements-dev.txt failed (see above)"
  exit 1
fi
echo "$want" >"$stamp"
if [ -n "$created" ]; then
  say "created .venv and installed requirements-dev.txt"
else
  say "requirements changed: installed requirements-dev.txt"
fi
compile_messages
