#!/usr/bin/env bash
# Sets up everything ccnb needs on a fresh Debian/Ubuntu machine; safe to rerun (fast when done).
#   1. system packages: fonts-noto-cjk (Chinese in charts and PDF), pango (WeasyPrint PDF),
#      chromium (browser tests), poppler-utils (PDF checks), a Java runtime (Spark engine tests)
#   2. a virtual environment .venv with ccnb and its test dependencies (pyproject.toml)
#   3. the `ccnb` Jupyter kernel papermill runs
#   4. the sample data: the committed slice plus the rest regenerated from its seed
set -euo pipefail
cd "$(dirname "$0")/.."
VENV=${VENV:-.venv}
PYTHON=${PYTHON:-python3}
say() { printf '\033[1m[setup]\033[0m %s\n' "$*"; }

# ---- 1. system packages ---------------------------------------------------------------
need=()
for pkg in fonts-noto-cjk libpango-1.0-0 libpangoft2-1.0-0 chromium poppler-utils default-jre-headless; do
  dpkg-query -W -f='${Status}' "$pkg" 2>/dev/null | grep -q "install ok installed" || need+=("$pkg")
done
if [ "${#need[@]}" -gt 0 ]; then
  if [ "$(id -u)" -eq 0 ]; then SUDO=""; elif command -v sudo >/dev/null; then SUDO="sudo"; else
    echo "ccnb setup: please install these Debian packages first: ${need[*]}" >&2; exit 1; fi
  say "installing system packages: ${need[*]}"
  # slim Debian images drop /usr/share/man; the JRE's postinst then fails to link its man pages
  $SUDO mkdir -p /usr/share/man/man1
  $SUDO apt-get update -qq
  DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${need[@]}" >/dev/null
fi

# the Spark engine finds Java through JAVA_HOME, else the `java` on PATH (ccnb.engine.spark.java_home)
if ! command -v java >/dev/null && [ -z "${JAVA_HOME:-}" ]; then
  echo "ccnb setup: no Java runtime after installing default-jre-headless; Spark tests will be skipped" >&2
fi

# ---- 2. Python environment ----------------------------------------------------------------
stamp="$VENV/.ccnb-installed"
want=$(cat pyproject.toml | sha256sum | cut -c1-16)
if [ ! -x "$VENV/bin/python" ]; then
  say "creating $VENV"
  "$PYTHON" -m venv "$VENV"
fi
if [ "$(cat "$stamp" 2>/dev/null)" != "$want" ]; then
  say "installing ccnb and its dependencies into $VENV"
  "$VENV/bin/python" -m pip install -q --upgrade pip
  "$VENV/bin/python" -m pip install -q -e ".[test,spark]"
  echo "$want" > "$stamp"
fi

# ---- 3. Jupyter kernel -----------------------------------------------------------------------
if [ ! -f "$VENV/share/jupyter/kernels/ccnb/kernel.json" ]; then
  say "registering the ccnb Jupyter kernel"
  "$VENV/bin/python" -m ipykernel install --sys-prefix --name ccnb --display-name "ccnb (Python 3)" >/dev/null
fi

# ---- 4. sample data ------------------------------------------------------------------------------
if [ -f ccnb/sample/__init__.py ]; then
  "$VENV/bin/ccnb" sample --fill
fi
say "ready"
