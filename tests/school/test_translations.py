from __future__ import annotations

import gettext
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
from django.test import Client

from tests.factories import SecretaryFactory

ROOT = Path(__file__).resolve().parents[2]
PO = ROOT / "locale" / "pt_BR" / "LC_MESSAGES" / "django.po"
MO = PO.with_suffix(".mo")


def po_entries(text: str) -> dict[str, str]:
    """msgid -> msgstr (msgstr[0] for plurals) of a .po file, header excluded. A message with a context (pgettext)
    is keyed as the compiled catalogue keys it: context, EOT, msgid."""
    entries = {}
    for block in text.split("\n\n"):
        msgid = _field(block, "msgid")
        context = _field(block, "msgctxt")
        key = f"{context}\x04{msgid}" if context else msgid
        if "#, fuzzy" in block:
            entries[key] = ""  # a fuzzy translation is not shipped
            continue
        if msgid:
            entries[key] = _field(block, "msgstr") or _field(block, r"msgstr\[0\]")
    return entries


def _field(block: str, name: str) -> str:
    match = re.search(rf'^{name} ((?:".*"\n?)+)', block, re.MULTILINE)
    if not match:
        return ""
    text = "".join(re.findall(r'"((?:[^"\\]|\\.)*)"', match.group(1)))
    return re.sub(r"\\(.)", lambda escape: {"n": "\n", "t": "\t"}.get(escape.group(1), escape.group(1)), text)


def test_every_message_has_a_brazilian_portuguese_translation() -> None:
    untranslated = [msgid for msgid, msgstr in po_entries(PO.read_text()).items() if not msgstr]

    assert untranslated == []


def test_the_compiled_catalogue_matches_its_source() -> None:
    with MO.open("rb") as compiled:
        catalogue = gettext.GNUTranslations(compiled)

    stale = [msgid for msgid, msgstr in po_entries(PO.read_text()).items() if catalogue.gettext(msgid) != msgstr]

    assert stale == [], "run `make messages` and commit locale/"


@pytest.mark.skipif(shutil.which("xgettext") is None, reason="GNU gettext is not installed")
def test_every_translatable_string_in_the_code_is_in_the_catalogue(tmp_path: Path) -> None:
    shutil.copytree(ROOT, tmp_path / "tree", ignore=shutil.ignore_patterns(".venv", ".git", "var", "tests", "media"))
    subprocess.run(
        [sys.executable, "manage.py", "makemessages", "-l", "pt_BR", "--ignore=bench", "--no-obsolete", "-v0"],
        cwd=tmp_path / "tree",
        check=True,
    )

    extracted = set(po_entries((tmp_path / "tree" / PO.relative_to(ROOT)).read_text()))

    assert extracted - set(po_entries(PO.read_text())) == set(), "run `make messages`, translate and commit"


@pytest.mark.django_db
def test_the_admin_speaks_portuguese_by_default_and_english_on_request(client: Client) -> None:
    client.force_login(SecretaryFactory())

    portuguese = client.get("/admin/school/student/").content.decode()
    english = client.get("/admin/school/student/", HTTP_ACCEPT_LANGUAGE="en").content.decode()

    assert "Importar CSV" in portuguese and "Estudantes" in portuguese
    assert "Import CSV" in english and "Students" in english
