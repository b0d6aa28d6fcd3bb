# Sourced by the Python suites' run scripts: a Python with the suite's
# requirements installed.
#   python_env NAME VENV REQUIREMENTS   sets PY and exports PYTHONPATH
# A venv with pip; where the interpreter ($PYTHON, default python3) has no
# working venv module (Debian without python3-venv), the packages go to a
# plain directory instead, on PYTHONPATH.

python_env() {
  local name=$1 venv=$2 requirements=$3
  local python=${PYTHON:-python3}
  PY=$venv/bin/python
  export PYTHONPATH=
  if ! "$PY" -m pip --version >/dev/null 2>&1; then
    rm -rf "$venv"
    if ! "$python" -m venv "$venv" >/dev/null 2>&1 || ! "$PY" -m pip --version >/dev/null 2>&1; then
      rm -rf "$venv"
      PY=$(command -v "$python")
      PYTHONPATH=$venv/site
    fi
  fi
  echo "$name: python $PY${PYTHONPATH:+ with $PYTHONPATH}"
  if [ -n "$PYTHONPATH" ]; then
    "$PY" -m pip install --quiet --disable-pip-version-check --target "$PYTHONPATH" \
      --upgrade -r "$requirements"
  else
    "$PY" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  fi
}
