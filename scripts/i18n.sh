#!/usr/bin/env bash
# Translation workflow for collab (Flask-Babel; catalogs in collab/translations/).
#
#   scripts/i18n.sh extract        scan Python and templates into collab/translations/messages.pot
#   scripts/i18n.sh update         merge messages.pot into every catalog (no fuzzy guesses, no obsolete)
#   scripts/i18n.sh init [LOCALE]  start a new catalog (default zh_Hans)
#   scripts/i18n.sh compile        build the .mo files (git-ignored; ./dev does this too)
#   scripts/i18n.sh check          fail unless every catalog is complete: each current message
#                                  translated, nothing fuzzy, placeholders intact (for CI)
#   scripts/i18n.sh refresh        extract + update (what to run after changing UI strings)
#
# Typical loop after editing a template: scripts/i18n.sh refresh, translate the new empty msgstr
# entries in collab/translations/zh_Hans/LC_MESSAGES/messages.po, scripts/i18n.sh check.
set -euo pipefail
cd "$(dirname "$0")/.."

if [ -x .venv/bin/python ]; then PY=.venv/bin/python; else PY=${PYTHON:-python3}; fi
PYBABEL=("$PY" -m babel.messages.frontend)  # = pybabel, from the same environment as $PY
DIR=collab/translations
POT=$DIR/messages.pot
LOCALES=${COLLAB_LOCALES:-zh_Hans}  # every language besides the source language (en)
# Keywords beyond pybabel's defaults (_, gettext, ngettext, N_, pgettext, ...): lazy forms.
KEYWORDS=(-k _l -k lazy_gettext -k lazy_ngettext:1,2 -k lazy_pgettext:1c,2)
# Directory names (any depth) never scanned; .* covers .venv and .git.
IGNORE_DIRS=".* __pycache__ node_modules tests bench static instance"

extract() {
  # $1: output file (default the project's messages.pot). Locations name the file without a line
  # number, so edits elsewhere in a file do not rewrite the catalogs (fewer merge conflicts).
  "${PYBABEL[@]}" -q extract -F babel.cfg "${KEYWORDS[@]}" --ignore-dirs "$IGNORE_DIRS" \
    --add-location=file -c TRANSLATORS: --project collab --copyright-holder collab \
    -o "${1:-$POT}" .
}

update() {
  for loc in $LOCALES; do
    if [ ! -f "$DIR/$loc/LC_MESSAGES/messages.po" ]; then
      echo "no catalog for $loc; run: $0 init $loc" >&2; exit 1
    fi
    "${PYBABEL[@]}" update -i "$POT" -d "$DIR" -l "$loc" --no-fuzzy-matching --ignore-obsolete
  done
}

init() {
  local loc=${1:-zh_Hans}
  if [ -f "$DIR/$loc/LC_MESSAGES/messages.po" ]; then
    echo "$DIR/$loc/LC_MESSAGES/messages.po exists; use: $0 update" >&2; exit 1
  fi
  "${PYBABEL[@]}" init -i "$POT" -d "$DIR" -l "$loc"
}

compile() {
  # -f like ./dev: a catalog whose header is still marked fuzzy is compiled anyway.
  "${PYBABEL[@]}" compile -d "$DIR" -f --statistics
}

check() {
  local rc=0
  FRESH=$(mktemp "${TMPDIR:-/tmp}/collab-messages.XXXXXX.pot")
  trap 'rm -f "$FRESH"' EXIT
  extract "$FRESH"
  for loc in $LOCALES; do
    "$PY" - "$DIR/$loc/LC_MESSAGES/messages.po" "$FRESH" "$loc" <<'PYCODE' || rc=1
import re
import sys

from babel import Locale
from babel.messages.plurals import get_plural
from babel.messages.pofile import read_po

po_path, pot_path, locale = sys.argv[1:4]
try:
    with open(po_path, "rb") as f:
        catalog = read_po(f, locale=locale)
except FileNotFoundError:
    print(f"{po_path}: missing (run scripts/i18n.sh init {locale})")
    sys.exit(1)
with open(pot_path, "rb") as f:
    template = read_po(f)

PLACEHOLDER = re.compile(r"%(?:\((\w+)\))?[#0 +-]*(?:\*|\d+)?(?:\.\d+)?[diouxXeEfFgGcrsa]")


def names(text):
    return sorted(m.group(1) or "<positional>" for m in PLACEHOLDER.finditer(text.replace("%%", "")))


def where(message):
    if message.locations:
        file, line = message.locations[0]
        return f"{file}:{line}" if line else file
    return "?"


problems = []
expected = get_plural(Locale.parse(locale))
if catalog.num_plurals != expected.num_plurals or catalog.plural_expr.replace(" ", "") != expected.plural_expr.replace(" ", ""):
    problems.append(f"header: Plural-Forms is {catalog.plural_forms!r}, expected {expected.plural_forms!r}")

total = 0
for message in catalog:
    if not message.id:
        continue
    total += 1
    label = f"{where(message)}: {message.id[0] if isinstance(message.id, tuple) else message.id!r}"
    if message.fuzzy:
        problems.append(f"fuzzy        {label}")
    if message.pluralizable:
        strings = list(message.string) if isinstance(message.string, (list, tuple)) else [message.string]
        if len(strings) != catalog.num_plurals or not all(s.strip() for s in strings):
            problems.append(f"untranslated {label} (needs {catalog.num_plurals} plural form(s))")
            continue
        source = names(message.id[0]) if not message.id[1] else sorted(set(names(message.id[0])) | set(names(message.id[1])))
        for s in strings:
            got = sorted(set(names(s)))
            if got != sorted(set(source)):
                problems.append(f"placeholders {label}: translation has {got}, source has {sorted(set(source))}")
    else:
        if not (message.string or "").strip():
            problems.append(f"untranslated {label}")
            continue
        if names(message.id) != names(message.string):
            problems.append(f"placeholders {label}: translation has {names(message.string)}, source has {names(message.id)}")

missing = [m for m in template if m.id and (m.id, m.context) not in {(x.id, x.context) for x in catalog}]
for m in missing:
    label = m.id[0] if isinstance(m.id, tuple) else m.id
    problems.append(f"not in catalog {where(m)}: {label!r} (run scripts/i18n.sh refresh, then translate)")

for problem in problems:
    print(f"{locale}: {problem}")
status = "FAILED" if problems else "ok"
print(f"{locale}: {total} messages, {len(problems)} problem(s): {status}")
sys.exit(1 if problems else 0)
PYCODE
  done
  return $rc
}

cmd=${1:-}
shift || true
case "$cmd" in
  extract) extract ;;
  update) update ;;
  init) init "$@" ;;
  compile) compile ;;
  check) check ;;
  refresh) extract; update ;;
  *) sed -n '2,13p' "$0" | sed 's/^# \{0,1\}//' >&2; exit 2 ;;
esac
