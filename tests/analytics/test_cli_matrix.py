"""``geoservice matrix``: files in, a long table out, same times as ``/api/v1/matrix``."""

from __future__ import annotations

import functools
import json
import pickle
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
from flask.testing import FlaskClient

from geoservice.analytics.matrix_batch import MatrixTask
from geoservice.analytics.od_matrix import MatrixOptions
from geoservice.cli import main
from geoservice.cli.matrix import load_matrix_data
from geoservice.runtime import Runtime


@pytest.mark.slow
def test_matrix_command_writes_what_the_api_answers(
    tmp_path: Path, client: FlaskClient, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "o.csv").write_text("commune\n58194\n58079\n", encoding="utf-8")
    dests = [{"offer": "cnc:102173"}, [3.16, 46.99], {"commune": "58149"}]
    (tmp_path / "d.json").write_text(json.dumps(dests), encoding="utf-8")
    out = tmp_path / "m.parquet"
    status = main(
        [
            "matrix",
            "--origins",
            str(tmp_path / "o.csv"),
            "--destinations",
            str(tmp_path / "d.json"),
            "--mode",
            "bike",
            "--workers",
            "1",
            "-o",
            str(out),
        ]
    )
    assert status == 0
    _, err = capsys.readouterr()
    assert "100%" in err  # the progress bar
    table = pd.read_parquet(out)
    assert len(table) == 6
    api = client.post(
        "/api/v1/matrix",
        json={"origins": [{"commune": "58194"}, {"commune": "58079"}], "destinations": dests,
              "mode": "bike"},
    ).json  # fmt: skip
    for row in table.itertuples():
        i, j = row.origin_index, row.destination_index
        assert row.travel_time_s == pytest.approx(api["travel_time_s"][i][j], abs=0.06)
        assert row.distance_m == pytest.approx(api["distance_m"][i][j], abs=0.6)
    assert table["origin"].tolist()[:3] == ["58194"] * 3
    assert table["destination"].tolist()[0] == "cnc:102173"


@pytest.mark.slow
def test_a_pickled_task_loads_its_own_data_and_gives_the_same_rows(runtime: Runtime) -> None:
    """What a process or Dask worker does: unpickle, load the data, run its chunk."""
    assert runtime.network is not None
    origins = np.array([[700_000.0, 6_670_000.0], [730_000.0, 6_690_000.0]])
    dests = np.array([[720_000.0, 6_680_000.0], [745_000.0, 6_700_000.0], [705_000.0, 6_655_000.0]])
    load = functools.partial(load_matrix_data, None, None, False)
    task = MatrixTask(load, MatrixOptions(mode="drive"), origins, dests)
    here = task.run(np.arange(2))
    assert task._state is not None
    copy = pickle.loads(pickle.dumps(task))
    assert copy._state is None  # the compiled network is not sent
    np.testing.assert_allclose(copy.run(np.array([1])), here[1:], atol=1e-9)
    assert here.shape == (2, 6)
    assert np.isfinite(here).all()
