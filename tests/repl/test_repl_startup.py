"""A fresh machine: `citebot chat` builds the missing index first (progress shown), then answers.

The corpus is one bundled document, so the real build this needs stays short.
"""

from __future__ import annotations

import re
import shutil
from pathlib import Path

from repl_helpers import CORPUS, run_piped

DOCUMENT = "003_beaee59b89498f57.txt"


def test_builds_the_missing_index_and_reports_startup_time(tmp_path: Path) -> None:
    corpus, data_dir = tmp_path / "corpus", tmp_path / "fresh"
    corpus.mkdir()
    shutil.copy(CORPUS / DOCUMENT, corpus)

    result = run_piped(["What did ByteDance decide about Nvidia?"], data_dir, cwd=tmp_path, corpus=corpus,
                       timeout=120)

    assert result.returncode == 0, result.stderr
    assert f"no index yet: building it from {corpus}" in result.stderr
    assert re.search(r"embedded \d+/\d+ tokens", result.stderr)  # plain progress lines off a terminal
    assert "1 added, 0 updated, 0 removed" in result.stderr
    ready = re.search(r"ready in (\d+\.\d) s: 1 document,", result.stderr)
    assert ready and float(ready.group(1)) >= 0.5  # the build counts as startup
    assert re.search(rf"^\[1\] {DOCUMENT} \(id\), .+  score \d\.\d\d$", result.stdout, re.M)
    assert (data_dir / "citebot.manifest.json").exists()


def test_a_missing_corpus_is_a_clear_error_that_names_the_option(tmp_path: Path) -> None:
    result = run_piped(["anything?"], tmp_path / "data", cwd=tmp_path, corpus=tmp_path / "missing")
    assert result.returncode == 2
    assert f"corpus folder {tmp_path / 'missing'} does not exist; pass --corpus FOLDER or set CITEBOT_CORPUS" \
        in result.stderr
    assert "Traceback" not in result.stderr
