"""Unpack a zip of hand-ins without letting it write outside its folder or fill the disk.

Uploads come from e-mail and learning platforms, so a zip is untrusted: entries that climb out (`..`, absolute
paths) and links are skipped, sizes are capped (and checked while copying, as a zip's header can lie), and names
written by Windows zip tools in UTF-8 without saying so are read as UTF-8.
"""

from __future__ import annotations

import unicodedata
import zipfile
from pathlib import Path

MAX_NOTEBOOK_BYTES = 20_000_000
MAX_RESPONSE_BYTES = 20_000_000
MAX_ZIP_MEMBERS = 20_000
MAX_ZIP_TOTAL = 2_000_000_000


class Skipped(dict):
    """Files too large to extract from a zip: extracted path -> size in bytes."""


def _fix_zip_name(info: zipfile.ZipInfo) -> str:
    name = info.filename
    if not info.flag_bits & 0x800:  # not flagged UTF-8: zip tools on Windows often wrote UTF-8 anyway
        try:
            name = name.encode("cp437").decode("utf-8")
        except (UnicodeEncodeError, UnicodeDecodeError):
            pass
    return unicodedata.normalize("NFC", name)


def extract_zip(path: Path, dest: Path, skipped: Skipped, problems: list[str]) -> bool:
    """Extract a zip safely (no path escapes, no links, size limits); False if it is not a usable zip."""
    try:
        zf = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        problems.append(f"{path.name}: not a readable zip file ({exc.__class__.__name__})")
        return False
    with zf:
        members = zf.infolist()
        if len(members) > MAX_ZIP_MEMBERS:
            problems.append(f"{path.name}: too many files in the zip ({len(members)})")
            return False
        total = 0
        for info in members:
            name = _fix_zip_name(info)
            parts = [p for p in Path(name).parts if p not in ("", ".")]
            if not parts or info.is_dir():
                continue
            if name.startswith("/") or ".." in parts or (info.external_attr >> 16) & 0o170000 == 0o120000:
                problems.append(f"{path.name}: skipped unsafe entry {name!r}")
                continue
            target = dest.joinpath(*parts)
            limit = MAX_NOTEBOOK_BYTES if target.suffix == ".ipynb" else MAX_RESPONSE_BYTES
            if info.file_size > limit or total + info.file_size > MAX_ZIP_TOTAL:
                skipped[target] = info.file_size
                continue
            target.parent.mkdir(parents=True, exist_ok=True)
            try:
                with zf.open(info) as src, open(target, "wb") as out:
                    copied = 0
                    for block in iter(lambda: src.read(1 << 20), b""):
                        copied += len(block)
                        if copied > limit:  # the header lied about the size
                            raise ValueError("entry larger than it claims")
                        out.write(block)
                total += copied
            except (zipfile.BadZipFile, ValueError, OSError, EOFError, NotImplementedError) as exc:
                target.unlink(missing_ok=True)
                problems.append(f"{path.name}: entry {name!r} could not be read ({exc.__class__.__name__})")
    return True


