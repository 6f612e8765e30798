r"""Citations and cross-references that JupyterLab can show: readable text, reversible on save.

The chapters cite with Sphinx roles (``{cite}`key```, ``{ref}`label```, ``{doc}`chapter```,
``{py:func}`name```) that only the book build resolves: jupyterlab-myst has no bibliography and
no other chapters, and showed each one as "Citation Not Found" / "Cross Reference Not Found".

:func:`to_readable` turns each role into a Markdown link whose *text* is what the book shows
(author-year for a citation, the section or chapter title for a reference, the function's name)
and whose *target* opens in JupyterLab (``references.bib`` for a citation, the chapter's ``.md``,
the module's source). The link's *title* keeps the original role, so :func:`from_readable` gives
back exactly the text the file holds: a learner who saves a chapter in JupyterLab changes only
what they edited.

    {cite:t}`hochreiter1997lstm`
    -> [Hochreiter and Schmidhuber (1997)](references.bib "{cite:t}`hochreiter1997lstm`")
"""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

__all__ = ["BookIndex", "book_index", "from_readable", "to_readable"]

# A role and its content: {name}`content` (the content may run over a line break).
ROLE = re.compile(r"\{(cite(?::[pt])?|ref|doc|py:(?:func|mod|class|meth))\}`([^`]+)`")
# What to_readable writes: [text](target "original"); a newline of the original is written \n.
READABLE = re.compile(
    r"\[[^\]\n]*\]\([^ )\n]*"
    r' "(\{(?:cite(?::[pt])?|ref|doc|py:(?:func|mod|class|meth))\}`[^`"]+`)"\)'
)
EXPLICIT = re.compile(r"^(.*?)\s*<([^<>]+)>$", re.S)  # {ref}`text <label>`
LABEL = re.compile(r"^\(([\w.:-]+)\)=\s*$")
HEADING = re.compile(r"^#{1,6}\s+(.+?)\s*$")


@dataclass
class BookIndex:
    """What the roles of one book folder point to.

    Attributes
    ----------
    folder : Path
        The book folder (``book/``): its ``references.bib`` and its chapters.
    cites : dict
        Citation key -> (authors as the book prints them, year).
    labels : dict
        Label -> (chapter file name, title of the section it marks).
    titles : dict
        Chapter name without ``.md`` -> its first heading.
    """

    folder: Path
    cites: dict[str, tuple[str, str]] = field(default_factory=dict)
    labels: dict[str, tuple[str, str]] = field(default_factory=dict)
    titles: dict[str, str] = field(default_factory=dict)


def _plain(latex: str) -> str:
    """LaTeX of a bib field as text: accents decoded, braces dropped."""
    try:
        import latexcodec  # noqa: F401  (pybtex's dependency; registers the "latex" codec)

        latex = latex.encode("utf-8").decode("latex")
    except (ImportError, ValueError):
        pass
    return re.sub(r"[{}]", "", latex).strip()


def _authors(names: list[str]) -> str:
    # sphinxcontrib-bibtex's author_year style: "A", "A and B", "A et al."
    if len(names) == 1:
        return names[0]
    if len(names) == 2:
        return f"{names[0]} and {names[1]}"
    return f"{names[0]} et al."


def _read_bib(bib: Path) -> dict[str, tuple[str, str]]:
    if not bib.is_file():
        return {}
    from pybtex.database import parse_file

    out = {}
    for key, entry in parse_file(str(bib), bib_format="bibtex").entries.items():
        people = entry.persons.get("author") or entry.persons.get("editor") or []
        names = [_plain(" ".join(p.prelast_names + p.last_names)) for p in people]
        year = _plain(entry.fields.get("year", "n.d."))
        out[key] = (_authors(names) if names else _plain(entry.fields.get("title", key)), year)
    return out


def _read_chapters(folder: Path) -> tuple[dict[str, tuple[str, str]], dict[str, str]]:
    labels, titles = {}, {}
    for md in sorted(folder.glob("*.md")):
        lines = md.read_text(encoding="utf-8").splitlines()
        pending: list[str] = []
        for line in lines:
            if m := LABEL.match(line):
                pending.append(m.group(1))
            elif m := HEADING.match(line):
                titles.setdefault(md.stem, m.group(1))
                labels.update({label: (md.name, m.group(1)) for label in pending})
                pending = []
            elif line.strip() and pending:  # a label on a table or a figure: its chapter's title
                labels.update({label: (md.name, titles.get(md.stem, md.stem)) for label in pending})
                pending = []
    return labels, titles


@lru_cache(maxsize=8)
def _cached_index(folder: Path, stamp: tuple[float, ...]) -> BookIndex:
    labels, titles = _read_chapters(folder)
    return BookIndex(folder, _read_bib(folder / "references.bib"), labels, titles)


def book_index(folder: Path) -> BookIndex:
    """Return the :class:`BookIndex` of ``folder``, read again whenever a file in it changed."""
    folder = Path(folder).resolve()
    files = [folder / "references.bib", *sorted(folder.glob("*.md"))]
    stamp = tuple(p.stat().st_mtime for p in files if p.exists())
    return _cached_index(folder, stamp)


def _module_source(name: str, index: BookIndex) -> str:
    """Return the source file (relative to the book folder) defining dotted ``name``."""
    parts = name.split(".")
    root = index.folder.parent
    for n in range(len(parts), 0, -1):
        base = root.joinpath(*parts[:n])
        for candidate in (base.with_suffix(".py"), base / "__init__.py"):
            if candidate.is_file():
                return Path("..", candidate.relative_to(root)).as_posix()
    return ""


def _text(role: str, content: str, index: BookIndex) -> tuple[str, str]:
    """Return the readable text and the link target of one role."""
    content = " ".join(content.split())
    explicit = EXPLICIT.match(content)
    if role.startswith("cite"):
        keys = [k.strip() for k in content.split(",")]
        found = [(k, index.cites.get(k)) for k in keys]
        if role == "cite:t":  # Hochreiter and Schmidhuber (1997)
            return "; ".join(f"{f[0]} ({f[1]})" if f else k for k, f in found), "references.bib"
        parts = "; ".join(f"{f[0]}, {f[1]}" if f else k for k, f in found)
        return f"({parts})", "references.bib"  # (Hochreiter and Schmidhuber, 1997)
    if role == "ref":
        label = explicit.group(2) if explicit else content
        file, title = index.labels.get(label, ("", label))
        return (explicit.group(1) if explicit else title), file
    if role == "doc":
        target = explicit.group(2) if explicit else content
        title = index.titles.get(target, target)
        return (explicit.group(1) if explicit else title), f"{target}.md"
    # py:func / py:mod / ...: ~ shows the last component only, as Sphinx does
    name = content.lstrip("~")
    shown = name.rsplit(".", 1)[-1] if content.startswith("~") else name
    return f"`{shown}{'()' if role in ('py:func', 'py:meth') else ''}`", _module_source(name, index)


def to_readable(markdown: str, index: BookIndex) -> str:
    """Replace every Sphinx role in ``markdown`` by a readable link that remembers it."""

    def link(m: re.Match) -> str:
        text, target = _text(m.group(1), m.group(2), index)
        text = text.replace("[", "(").replace("]", ")")
        original = m.group(0).replace("\\", "\\\\").replace("\n", "\\n")
        return f'[{text}]({target or "."} "{original}")'

    return ROLE.sub(link, markdown)


def from_readable(markdown: str) -> str:
    """Undo :func:`to_readable`: every link it wrote becomes its original role again."""

    def role(m: re.Match) -> str:
        return re.sub(r"\\(.)", lambda e: "\n" if e.group(1) == "n" else e.group(1), m.group(1))

    return READABLE.sub(role, markdown)
