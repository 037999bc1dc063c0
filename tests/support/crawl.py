"""What a user would read on a page run by AppTest: every string of every element (labels, values,
help, options, captions, Markdown) and every cell of every table, and the developer text among it."""
from __future__ import annotations

import json
import re

import pandas as pd
from google.protobuf.message import Message
from streamlit.proto.Block_pb2 import Block as BlockProto
from streamlit.testing.v1 import AppTest

# proto fields that are machinery, not text on screen
SKIP_FIELDS = {"id", "form_id", "icon", "key", "data", "arrow_data", "styler", "css_class", "spec",
               "component_name", "url", "src", "theme", "fragment_id", "delta_path", "page_script_hash",
               "columns", "column_order", "selection_mode", "url_path", "page_name", "html"}

# the words are split so that tests/test_repository.py, which forbids pointers at documents a
# clone lacks, does not take this detector of such pointers for one
DEVELOPER_TEXT = [
    (re.compile("DE" "SIGN"), "a document section"),
    (re.compile("设计" "文档"), "a document section"),
    (re.compile(r"\bNone\b"), "None"),
    (re.compile(r"\b(nan|NaN|NaT)\b"), "nan"),
    # a code name such as a rules key or a module attribute (staffing.shift_minimum)
    (re.compile(r"\b[a-z]+\.[a-z]+_[a-z_]+\b"), "a code name"),
    # Streamlit's English widget texts
    (re.compile(r"Drag and drop|Browse files|Limit \d+MB|Choose an option|Choose options|No options to select"
                r"|No results|Press Enter|Add row"), "English widget text"),
]
# a count of five digits or more written without thousands separators, outside codes and dates
BARE_COUNT = re.compile(r"(?<![\w.,:/\-])\d{5,}(?![\w.,:/\-%])")
HOTLINE = "12345"     # the hotline's name, not a count
# a cell written as a number of four digits or more without separators ("11607.0", "1440.5"); a code
# such as a ticket number has no decimal point
BARE_DECIMAL = re.compile(r"-?\d{4,}\.\d+")


def _strings(message: Message):
    for field, value in message.ListFields():
        if field.name in SKIP_FIELDS:
            continue
        values = [value] if isinstance(value, (str, bytes, Message)) or not hasattr(value, "__iter__") else value
        for v in values:
            if isinstance(v, Message):
                yield from _strings(v)
            elif isinstance(v, str):
                yield v


def _walk(node):
    yield node
    for child in getattr(node, "children", {}).values():
        yield from _walk(child)


SEPARATED_FORMATS = ("localized", "accounting", ",")


def _column_formats(proto) -> dict[str, str]:
    try:
        config = json.loads(proto.columns or "{}")
    except ValueError:
        return {}
    out = {}
    for name, c in config.items():
        fmt = (c.get("type_config") or {}).get("format") or ""
        out[str(c.get("label") or name).removeprefix("col:")] = str(fmt)
        out[str(name).removeprefix("col:")] = str(fmt)
    return out


def screen_text(at: AppTest) -> tuple[list[str], list[pd.DataFrame]]:
    """(every string of the page's elements, every table shown, with the number format of each
    column it sets in `attrs["formats"]`)."""
    texts, frames = [], []
    for node in _walk(at._tree):
        if node.type == "dataframe":
            df = node.value
            df.attrs["formats"] = _column_formats(node.proto)
            frames.append(df)
            continue
        proto = getattr(node, "proto", None)
        if isinstance(proto, Message):
            texts.extend(_strings(proto))
    return texts, frames


def problems(at: AppTest) -> list[str]:
    """The developer text on the page, one line each."""
    texts, frames = screen_text(at)
    found = []
    for text in texts:
        if text.lstrip().startswith("<style"):     # a style sheet is not read on screen
            continue
        for pattern, what in DEVELOPER_TEXT:
            if pattern.search(text):
                found.append(f"{what}: {text[:160]!r}")
        if any(m != HOTLINE for m in BARE_COUNT.findall(text)) and not text.lstrip().startswith("{"):
            found.append(f"count without separators: {text[:160]!r}")
    for df in frames:
        for col in df.columns:
            for pattern, what in DEVELOPER_TEXT:
                if pattern.search(str(col)):
                    found.append(f"{what} in a column name: {col!r}")
            values = df[col]
            if pd.api.types.is_numeric_dtype(values) and not pd.api.types.is_bool_dtype(values) \
                    and values.dropna().abs().max(skipna=True) >= 1000 \
                    and (values.dropna() % 1 == 0).all() \
                    and not any(f in df.attrs["formats"].get(str(col), "") for f in SEPARATED_FORMATS):
                found.append(f"counts without separators in column {col!r}: {values.max()}")
            if values.isna().any():
                found.append(f"a blank cell shown as None in column {col!r}")
            if pd.api.types.is_float_dtype(values) and len(values.dropna()) \
                    and (values.dropna() % 1 == 0).all() and not df.attrs["formats"].get(str(col)):
                found.append(f"counts shown as floats in column {col!r}: {values.max()}")
            for v in values:
                if isinstance(v, str) and BARE_DECIMAL.fullmatch(v.strip()):
                    found.append(f"a number without separators in column {col!r}: {v!r}")
                    break
            for v in (str(x) for x in values):
                for pattern, what in DEVELOPER_TEXT:
                    if pattern.search(v):
                        found.append(f"{what} in column {col!r}: {v[:80]!r}")
                        break
    return sorted(set(found))


def lazy_tabs(at: AppTest) -> list[tuple[str, list[str]]]:
    """(widget key, tab labels) of every tab set on the page that reruns it on a switch
    (`st.tabs(..., key=..., on_change="rerun")`): only its open tab is drawn, the others are read
    when opened."""
    found = []
    for node in _walk(at._tree):
        proto = getattr(node, "proto", None)
        if isinstance(proto, BlockProto) and proto.WhichOneof("type") == "tab_container" and proto.tab_container.id:
            key = proto.tab_container.id.split("-", 2)[-1]     # "$$ID-<hash>-<user key>"
            labels = [c.label for c in node.children.values() if getattr(c, "type", "") == "tab"]
            found.append((key, labels))
    return found


def every_view(at: AppTest, variants: list[dict] | None = None):
    """Run the page (already run once by the caller) in every view a reader can open: for each of
    `variants` (widget key → value, e.g. each report kind), every tab of every lazily loaded tab
    set, one after another (a tab set the variants share, such as one below them, once). Yields a
    name of each view after its run."""
    done: set[tuple[str, str]] = set()
    for variant in variants or [{}]:
        for key, value in variant.items():
            at.session_state[key] = value
        if variant:
            at.run()
        name = ",".join(f"{k}={v}" for k, v in variant.items()) or "default"
        yield name
        while True:
            sets = lazy_tabs(at)
            # the tab each set shows has just been run
            done |= {(key, _open_tab(at, key, labels)) for key, labels in sets if labels}
            todo = [(key, label) for key, labels in sets for label in labels if (key, label) not in done]
            if not todo:
                break
            key, label = todo[0]
            done.add((key, label))
            at.session_state[key] = label
            at.run()
            yield f"{name}/{key}={label}"


def _open_tab(at: AppTest, key: str, labels: list[str]) -> str:
    try:
        value = at.session_state[key]
    except KeyError:
        return labels[0]
    return value if value in labels else labels[0]
