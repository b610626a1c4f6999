# Sourced by scripts/test and scripts/demo: build or refresh .venv, then install into it.
#   ensure_venv          the image's hash-pinned runtime deps and cfaction itself (editable)
#   ensure_venv dev      the same plus the test and lint tools of requirements-dev.txt
# PYTHON chooses the interpreter (3.11+). .venv is rebuilt when it is missing, broken, or
# made by another Python minor version; re-installing into it is quick.
ensure_venv() {
  local python="${PYTHON:-python3}"
  if ! "$python" -c 'import sys; sys.exit(sys.version_info < (3, 11))'; then
    echo "$0: $python is not Python 3.11 or newer; set PYTHON=python3.x" >&2
    exit 2
  fi
  local want have
  want="$("$python" -c 'import sys; print("%d.%d" % sys.version_info[:2])')"
  have="$(.venv/bin/python -c 'import sys; print("%d.%d" % sys.version_info[:2])' 2>/dev/null || true)"
  if [[ "$have" != "$want" ]]; then
    echo "$0: creating .venv with Python $want"
    "$python" -m venv --clear .venv
  fi
  local pip=(.venv/bin/python -m pip install -q)
  # The image's exact, hash-checked runtime deps first, so everything runs against what ships.
  "${pip[@]}" --require-hashes --no-deps -r requirements.txt
  if [[ "${1:-}" == dev ]]; then
    "${pip[@]}" -r requirements-dev.txt
  fi
  "${pip[@]}" --no-deps -e .
}
