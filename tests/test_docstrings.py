"""The examples in the public docstrings run and print what they show."""

from __future__ import annotations

import doctest
import importlib

import pytest

MODULES = [
    "f1tune.metrics",
    "f1tune.thresholds",
    "f1tune._threshold_result",
    pytest.param("f1tune.stretcher", marks=pytest.mark.requires("torch")),
    "f1tune.datasets",
    "f1tune.tuner",
    pytest.param("f1tune.sklearn", marks=pytest.mark.requires("sklearn")),
    pytest.param("f1tune.torch.losses", marks=pytest.mark.requires("torch")),
    pytest.param("f1tune.torch.tuned_fbeta", marks=pytest.mark.requires("torch")),
    pytest.param("f1tune.torch._torchmetrics_adapter", marks=pytest.mark.requires("torchmetrics")),
]


@pytest.mark.parametrize("name", MODULES)
def test_docstring_examples(name):
    module = importlib.import_module(name)
    result = doctest.testmod(module, optionflags=doctest.NORMALIZE_WHITESPACE | doctest.ELLIPSIS)
    assert result.attempted > 0 and result.failed == 0
