"""The Chinese catalogue is complete: every string of the code and templates has its translation.

The strings are extracted exactly as ``make messages`` extracts them (Django's ``makemessages``
with the flags of the Makefile), but from a copy of the sources in a temporary directory:
makemessages writes to the first locale directory it finds, and from the project root that is the
committed ``locale/`` whatever ``LOCALE_PATHS`` says. The extraction is then compared with the
committed catalogue: nothing missing, empty or fuzzy, nothing left over, the same placeholders.
English needs no catalogue: the msgids are the English text.

The JavaScript (``static/js``) builds its text from the pages' translated markup and calls no
``gettext``, so there is no ``djangojs`` domain to compare.
"""

import fnmatch
import os
import re
import shlex
import shutil
import string
import subprocess
import sys
from pathlib import Path

import polib
import pytest

ROOT = Path(__file__).resolve().parent.parent
CATALOGUE = ROOT / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"
# What makemessages reads for the django domain, by default.
EXTENSIONS = {".py", ".html", ".txt"}
HOW_TO_UPDATE = (
    "Update the catalogue: `make messages` (makemessages with the project's flags), fill in each new or "
    "fuzzy msgstr of locale/zh_Hans/LC_MESSAGES/django.po (and drop its fuzzy flag), then `make translations`."
)
SHOWN = 30
PYTHON_FORMAT = re.compile(
    r"%(?:\((?P<name>[^)]*)\))?[#0+ -]*(?:\*|\d+)?(?:\.(?:\*|\d+))?[hlL]?(?P<conversion>[diouxXeEfFgGcrsa%])?"
)


def _makemessages_flags() -> list[str]:
    """The flags of `make messages`, so that the test extracts what the developers extract."""
    match = re.search(r"^MESSAGES_FLAGS\s*[:?]?=\s*(.+)$", (ROOT / "Makefile").read_text(), re.MULTILINE)
    assert match, "The Makefile defines no MESSAGES_FLAGS for `make messages`"
    return shlex.split(match.group(1))


def _copy_sources(target: Path, flags: list[str]) -> None:
    """Copy what makemessages would read from the project root: the files it extracts from, outside
    the ignored directories (``--ignore``) and hidden ones, as it walks them."""
    # Hidden directories, which makemessages skips too, and __pycache__, which holds nothing it reads.
    ignored = {".*", "__pycache__", *(flag.split("=", 1)[1] for flag in flags if flag.startswith("--ignore="))}
    for directory, subdirectories, files in os.walk(ROOT):
        here = Path(directory)
        subdirectories[:] = [
            name
            for name in subdirectories
            if not any(
                fnmatch.fnmatchcase(name, pattern) or fnmatch.fnmatchcase(str((here / name).relative_to(ROOT)), pattern)
                for pattern in ignored
            )
        ]
        for name in files:
            if Path(name).suffix in EXTENSIONS:
                copy = target / (here / name).relative_to(ROOT)
                copy.parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(here / name, copy)


@pytest.fixture(scope="module")
def extracted(tmp_path_factory) -> polib.POFile:
    missing = [tool for tool in ("xgettext", "msgattrib", "msgfmt") if shutil.which(tool) is None]
    assert not missing, (
        f"GNU gettext ({', '.join(missing)}) is not installed: `make test` installs Debian's gettext "
        "(scripts/browser.sh, as root), or install it yourself (apt-get install gettext)."
    )
    flags = _makemessages_flags()
    sources = tmp_path_factory.mktemp("sources")
    _copy_sources(sources, flags)
    (sources / "locale").mkdir()
    # No settings: makemessages then writes to ./locale, the copy's, and runs none of the project's code.
    env = {name: value for name, value in os.environ.items() if name != "DJANGO_SETTINGS_MODULE"}
    result = subprocess.run(
        [sys.executable, "-m", "django", "makemessages", "-l", "zh_Hans", *flags],
        cwd=sources,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode == 0, result.stdout + result.stderr
    return polib.pofile(str(sources / "locale" / "zh_Hans" / "LC_MESSAGES" / "django.po"))


@pytest.fixture(scope="module")
def catalogue() -> polib.POFile:
    return polib.pofile(str(CATALOGUE))


def _key(entry: polib.POEntry) -> tuple[str | None, str]:
    return entry.msgctxt, entry.msgid


def _show(entry: polib.POEntry) -> str:
    context = f"[{entry.msgctxt}] " if entry.msgctxt else ""
    plural = f" / {entry.msgid_plural!r}" if entry.msgid_plural else ""
    return f"{context}{entry.msgid!r}{plural}"


def _report(title: str, lines: list[str], advice: str = HOW_TO_UPDATE) -> str:
    more = f"\n  … and {len(lines) - SHOWN} more" if len(lines) > SHOWN else ""
    return f"{len(lines)} {title}:\n  " + "\n  ".join(lines[:SHOWN]) + more + "\n" + advice


def _translations(entry: polib.POEntry) -> list[str]:
    return list(entry.msgstr_plural.values()) if entry.msgid_plural else [entry.msgstr]


def test_every_string_of_the_code_and_templates_has_its_chinese(extracted, catalogue):
    translated = {_key(entry): entry for entry in catalogue}
    problems = []
    for entry in extracted:
        committed = translated.get(_key(entry))
        if committed is None or committed.obsolete:
            problems.append(f"missing       {_show(entry)}")
        elif committed.msgid_plural != entry.msgid_plural:
            problems.append(f"other plural  {_show(entry)} (the catalogue has {committed.msgid_plural!r})")
        elif committed.fuzzy:
            problems.append(f"fuzzy         {_show(entry)}")
        elif not all(text.strip() for text in _translations(committed)):
            problems.append(f"untranslated  {_show(entry)}")
    assert not problems, _report("strings of the code and templates without their Chinese", problems)


def test_the_catalogue_holds_only_strings_the_code_uses(extracted, catalogue):
    """The catalogue is what ``make messages`` (``--no-obsolete``) leaves: a left-over entry is a
    string the code no longer says, usually one reworded without its translation being moved."""
    used = {_key(entry) for entry in extracted}
    left_over = [f"{'obsolete' if e.obsolete else 'unused  '}  {_show(e)}" for e in catalogue if _key(e) not in used]
    assert not left_over, _report(
        "entries of the catalogue that no code or template uses",
        left_over,
        "`make messages` drops them (it runs with --no-obsolete); when a string was only reworded, carry its "
        "translation over to the new msgid first.",
    )


def _python_placeholders(text: str) -> list[tuple[str, str]] | None:
    """The %-placeholders of a python-format string, named ones sorted; None when one is malformed."""
    found = []
    for match in PYTHON_FORMAT.finditer(text):
        if match.group("conversion") is None:
            return None
        if match.group("conversion") != "%":
            found.append((match.group("name") or "", match.group("conversion")))
    return sorted(item for item in found if item[0]) + [item for item in found if not item[0]]


def _brace_placeholders(text: str) -> list[str] | None:
    try:
        return sorted(field for _, field, _, _ in string.Formatter().parse(text) if field is not None)
    except ValueError:
        return None


NAMED = re.compile(r"%\(\w+\)[sdif]|\{\w+\}")


def test_translations_keep_the_placeholders_of_their_msgid(extracted, catalogue):
    """``%(name)s`` (also the variables of ``{% blocktranslate %}``) and ``{name}`` are filled in
    by the code: a translation that renames, drops or adds one fails or shows it raw."""
    flags = {_key(entry): set(entry.flags) for entry in extracted}
    problems = []
    for entry in catalogue:
        if entry.obsolete or entry.fuzzy:
            continue
        entry_flags = flags.get(_key(entry), set(entry.flags))
        # Chinese has one plural form, msgstr[0], used for every count: it says what the plural msgid says.
        originals = [entry.msgid_plural] * len(entry.msgstr_plural) if entry.msgid_plural else [entry.msgid]
        for original, text in zip(originals, _translations(entry), strict=True):
            if not text:
                continue
            if "python-format" in entry_flags:
                expected, actual = _python_placeholders(original), _python_placeholders(text)
            elif "python-brace-format" in entry_flags:
                expected, actual = _brace_placeholders(original), _brace_placeholders(text)
            else:
                expected, actual = sorted(NAMED.findall(original)), sorted(NAMED.findall(text))
            if actual is None or expected != actual:
                problems.append(f"{_show(entry)} → {text!r}")
    assert not problems, _report(
        "translations whose placeholders differ from their msgid's (or have a stray %: write %%)",
        problems,
        "Correct their msgstr in locale/zh_Hans/LC_MESSAGES/django.po, then `make translations`.",
    )


def test_the_catalogue_is_valid_for_gnu_gettext(tmp_path):
    if shutil.which("msgfmt") is None:
        pytest.fail("GNU gettext's msgfmt is not installed: `make test` installs Debian's gettext (scripts/browser.sh)")
    result = subprocess.run(
        ["msgfmt", "--check", "-o", str(tmp_path / "django.mo"), str(CATALOGUE)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
