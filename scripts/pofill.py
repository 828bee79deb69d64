"""Fill empty zh_Hans msgstr from a JSON file {msgid: msgstr} (or {"context|msgid": ...}).

    .venv/bin/python scripts/pofill.py translations.json   (after: bash scripts/i18n.sh check)
"""
import sys, json
from babel.messages.pofile import read_po, write_po
path = "collab/translations/zh_Hans/LC_MESSAGES/messages.po"
tr = json.load(open(sys.argv[1]))
with open(path, "rb") as f:
    cat = read_po(f, locale="zh_Hans")
n = 0
for msg in cat:
    if not msg.id:
        continue
    key = msg.id if isinstance(msg.id, str) else msg.id[0]
    ctx_key = f"{msg.context}|{key}" if msg.context else key
    for k in (ctx_key, key):
        if k in tr and (not msg.string or (isinstance(msg.string, tuple) and not msg.string[0])):
            msg.string = tr[k] if isinstance(msg.id, str) else (tr[k],)
            n += 1
            break
with open(path, "wb") as f:
    write_po(f, cat, width=100, include_lineno=False)
print("filled", n)
