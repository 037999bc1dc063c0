"""AppTest reruns through app.py, as on the server.

AppTest resets Streamlit's "pages/ directory" flag before each run, so a rerun of a page executes
pages/<page>.py alone (the legacy multipage mode) and skips app.py. The server clears that flag for
good on the first st.navigation call, after which every run executes app.py, which picks the page.
Tests of what app.py does on every run (the outage handling) use this fixture.
"""
from __future__ import annotations

import sys
from pathlib import Path

import pytest
from streamlit.runtime.scriptrunner import script_runner


@pytest.fixture
def through_app(monkeypatch):
    def run_app(main_script_path: str) -> None:
        code = compile(Path(main_script_path).read_text(encoding="utf-8"), main_script_path, "exec")
        exec(code, sys.modules["__main__"].__dict__)  # noqa: S102 - the app's own entry script

    monkeypatch.setattr(script_runner, "_mpa_v1", run_app)
