"""Helpers the re-rating CLI tests share: the bundled sample's raw closes read straight from its
CSV files (an oracle independent of the package's readers), and one ``rerating --sample`` run."""

from __future__ import annotations

import csv
from importlib import resources

import pytest

from rerating.cli import main

SAMPLE = resources.files("rerating.data").joinpath("sample")


def raw(name: str, date: str) -> float:
    """The sample's raw close of ``name`` on ``date`` (an exact row)."""
    with SAMPLE.joinpath(f"{name}.csv").open(encoding="utf-8") as fh:
        return next(float(r["close"]) for r in csv.DictReader(fh) if r["date"] == date)


def run_sample(capsys: pytest.CaptureFixture[str], *args: str) -> tuple[int, str, str]:
    """``rerating --sample ARGS``: its exit code, stdout and stderr."""
    code = main(["--sample", *args])
    out, err = capsys.readouterr()
    return code, out, err
