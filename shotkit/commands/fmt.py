"""`shotkit fmt`: rewrite manifests in canonical form, comments kept (or `--check` them)."""

from __future__ import annotations

from pathlib import Path

from .. import console, pipeline
from ..documents import Document
from ..escape import text_inline
from ..fileio import write_atomic
from ..project import Project
from ._output import emit


def _canonical_text(document: Document, project: Project) -> str:
    """The document in canonical form with its comments put back; refuses to lose one."""
    from .. import comments
    from ..canonical import canonical
    from ..errors import ShotkitError

    data = canonical(document.data, project)
    found = comments.read(document.text, document.data)
    text = comments.dump(data, found)
    if text != document.text and not comments.kept(text, data, found):
        raise ShotkitError(
            f"{document.shown}: cannot put every comment back in canonical form; the file is left as it is (please report this)"
        )
    return text


def fmt(paths: list[Path], check: bool) -> int:
    loaded = pipeline.load_valid(paths, keep_data=True)  # rewrites the files from their data
    changed = 0
    for document in loaded.documents:
        text = _canonical_text(document, loaded.project)
        if text == document.text:
            continue
        changed += 1
        if check:
            emit(text_inline(f"would reformat {document.shown}"))
            continue
        write_atomic(document.path, text)
        console.info(text_inline(f"reformatted {document.shown}"))
    if check:
        console.info(
            f"{changed} file(s) would be reformatted, {len(loaded.documents) - changed} already canonical"
        )
        return 1 if changed else 0
    return 0
