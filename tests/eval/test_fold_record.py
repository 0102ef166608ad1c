"""The held-out folds' committed parameters (train/folds/, written by `python -m train.folds`): they are what the
fit wrote from today's inputs, and train/heldout.py uses them only while that holds, fitting otherwise.

The four fold fits took ~1 minute of CI (tests/eval/test_xquad_floor.py); these tests take about a second.
`python -m train.folds --check` still refits. No fit runs here: `fit_both` is stood in for.
"""

from __future__ import annotations

import dataclasses
import hashlib
import json
import shutil
import sys
from pathlib import Path

import pytest

import train.fit
from train import folds, heldout
from train.fit import FOLDS, ROOT, Data, dumps, folds_of, load


@pytest.fixture(scope="module")
def data() -> Data:
    return load()


def test_committed_fold_parameters_are_what_the_fit_wrote_from_todays_inputs(data: Data) -> None:
    """The record (train/folds/record.json) names today's features, fit code and answer bounds, and each fold
    file is what the fit wrote; train/heldout.py then reads them instead of fitting."""
    record = json.loads(folds.record_file().read_text(encoding="utf-8"))
    today = folds.fold_inputs()
    changed = sorted(k for k in today.keys() | record["inputs"].keys() if record["inputs"].get(k) != today.get(k))
    assert not changed, f"{', '.join(changed)} changed since the fold fits: re-run `python -m train.folds`"
    assert sorted(record["output"]) == [folds.name(f) for f in range(FOLDS)]
    for fold in range(FOLDS):
        written = hashlib.sha256(folds.fold_file(fold).read_bytes()).hexdigest()
        assert record["output"][folds.name(fold)] == written, (
            f"{folds.name(fold)} is not what the fit wrote: re-run `python -m train.folds`")
        assert folds.committed(data, fold) == folds.fold_file(fold).read_text(encoding="utf-8")


@pytest.fixture
def stand_in(tmp_path: Path, monkeypatch: pytest.MonkeyPatch, data: Data) -> tuple[dict[int, str], list]:
    """train/folds/ in a temporary directory, current: per fold a marked text naming `data`'s features, and a
    record of today's inputs and those texts. train/heldout.py's cache starts empty; `fit_both` is a stub that
    records its calls and returns a marker."""
    monkeypatch.setattr(folds, "FOLDS_DIR", tmp_path / "folds")
    monkeypatch.setattr(heldout, "_FITTED", {})
    folds.FOLDS_DIR.mkdir()
    texts = {f: dumps({"training_data_sha256": data.digest, "committed": f}) for f in range(FOLDS)}
    for fold, text in texts.items():
        folds.fold_file(fold).write_text(text, encoding="utf-8")
    folds.record_file().write_text(json.dumps(folds.record(texts), indent=1) + "\n", encoding="utf-8")
    calls: list = []

    def fit_both(sub: Data, with_unpaired: bool = True) -> tuple[dict, dict]:
        calls.append((sub, with_unpaired))
        return {"fitted": sorted({q["article"] for q in sub.questions})}, {}

    monkeypatch.setattr(folds, "fit_both", fit_both)
    return texts, calls


def test_a_current_record_serves_the_committed_text_without_fitting(stand_in, data: Data, tmp_path: Path,
                                                                    monkeypatch: pytest.MonkeyPatch) -> None:
    texts, _ = stand_in

    def fit_both(*args, **kwargs):
        raise AssertionError("fitted although the committed parameters are current")

    monkeypatch.setattr(folds, "fit_both", fit_both)
    for fold in range(FOLDS):
        target = heldout.fold_params(data, fold, tmp_path / f"fold{fold}.json")
        assert target.read_text(encoding="utf-8") == texts[fold]


def _fit_code_edited(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data: Data) -> Data:
    """train/fit.py edited after the record (a copy of the sources with one more line)."""
    for path in train.fit.FIT_SOURCES:
        (tmp_path / "src" / path).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy(ROOT / path, tmp_path / "src" / path)
    with open(tmp_path / "src" / "train" / "fit.py", "a", encoding="utf-8") as f:
        f.write("# edited\n")
    monkeypatch.setattr(train.fit, "ROOT", tmp_path / "src")
    return data


def _answer_bounds_changed(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data: Data) -> Data:
    monkeypatch.setattr(train.fit, "MAX_ANSWER_CHARS", train.fit.MAX_ANSWER_CHARS + 1)
    return data


def _other_features(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data: Data) -> Data:
    """The evaluation reads other features than the committed files were fitted on (`--features`)."""
    return dataclasses.replace(data, digest="0" * 64)


def _fold_file_edited(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data: Data) -> Data:
    for fold in range(FOLDS):
        text = json.loads(folds.fold_file(fold).read_text(encoding="utf-8"))
        folds.fold_file(fold).write_text(dumps({**text, "threshold": 0.5}), encoding="utf-8")
    return data


def _record_missing(monkeypatch: pytest.MonkeyPatch, tmp_path: Path, data: Data) -> Data:
    folds.record_file().unlink()
    return data


@pytest.mark.parametrize("stale", [_fit_code_edited, _answer_bounds_changed, _other_features, _fold_file_edited,
                                   _record_missing], ids=lambda f: f.__name__.strip("_"))
def test_a_stale_or_edited_record_falls_back_to_fitting(stale, stand_in, data: Data, tmp_path: Path,
                                                        monkeypatch: pytest.MonkeyPatch) -> None:
    """Whatever no longer matches the record, the committed text is not used: each fold is fitted, without its
    articles and without the model for indexes without sentence pairs."""
    texts, calls = stand_in
    evaluated = stale(monkeypatch, tmp_path, data)
    assign = folds_of(data.questions)
    for fold in range(FOLDS):
        written = heldout.fold_params(evaluated, fold, tmp_path / f"fold{fold}.json").read_text(encoding="utf-8")
        outside = sorted(a for a, f in assign.items() if f != fold)
        assert written == dumps({"fitted": outside}) != texts[fold]
    assert [with_unpaired for _, with_unpaired in calls] == [False] * FOLDS


def test_the_writer_writes_what_the_reader_accepts_and_check_writes_nothing(stand_in, data: Data,
                                                                             monkeypatch: pytest.MonkeyPatch) -> None:
    """`python -m train.folds` with the fit stood in for: its files are served; `--check` exits 0 on them and 1
    once a fit would write another text, without writing."""
    fitted = {f: dumps({"training_data_sha256": data.digest, "fitted": f}) for f in range(FOLDS)}
    monkeypatch.setattr(folds, "fit_fold", lambda _data, fold: fitted[fold])
    monkeypatch.setattr(sys, "argv", ["train.folds"])
    folds.main()
    assert [folds.committed(data, f) for f in range(FOLDS)] == [fitted[f] for f in range(FOLDS)]
    monkeypatch.setattr(sys, "argv", ["train.folds", "--check"])
    with pytest.raises(SystemExit) as ok:
        folds.main()
    assert ok.value.code == 0
    before = {p.name: p.read_bytes() for p in folds.FOLDS_DIR.iterdir()}
    fitted[2] = dumps({"training_data_sha256": data.digest, "fitted": "another"})
    with pytest.raises(SystemExit) as differs:
        folds.main()
    assert differs.value.code == 1
    assert {p.name: p.read_bytes() for p in folds.FOLDS_DIR.iterdir()} == before
