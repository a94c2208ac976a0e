#!/usr/bin/env bash
# Print the path of a Python >= 3.12 interpreter, or explain why none was found (exit 1).
# Tries python3.14, python3.13, python3.12 and python3 on PATH, then pyenv's installed versions
# (pyenv shims refuse versions that are installed but not selected).
set -euo pipefail

ok() { "$1" -c 'import sys; sys.exit(0 if sys.version_info >= (3, 12) else 1)' >/dev/null 2>&1; }

for candidate in python3.14 python3.13 python3.12 python3; do
  if command -v "$candidate" >/dev/null 2>&1 && ok "$candidate"; then
    "$candidate" -c 'import sys; print(sys.executable)'
    exit 0
  fi
done

if command -v pyenv >/dev/null 2>&1; then
  root=$(pyenv root)
  for version in $(pyenv versions --bare 2>/dev/null | sort -t. -k1,1nr -k2,2nr -k3,3nr); do
    for exe in "$root/versions/$version/bin/python3" "$root/versions/$version/bin/python"; do
      if [ -x "$exe" ] && ok "$exe"; then
        echo "$exe"
        exit 0
      fi
    done
  done
fi

echo "No Python >= 3.12 found (tried python3.14, python3.13, python3.12, python3 and pyenv)." >&2
echo "Install Python 3.12 or newer (3.13 recommended) and run make again." >&2
exit 1
