"""A reply's configuration is refused when a title line breaks GB/T 9704's 20 characters."""

from __future__ import annotations

import pytest

from deptstats.reply.drafting import reply_config
from tests.conftest import REPO


def test_a_title_line_over_20_characters_is_refused(tmp_path, monkeypatch):
    replies = tmp_path / "include" / "replies"
    replies.mkdir(parents=True)
    source = REPO / "include" / "replies" / "reply-2024-147.toml"
    text = source.read_text(encoding="utf-8").replace(
        '"对市十八届人大三次会议第147号", "建议的答复"', '"对市十八届人大三次会议第147号建议的答复"'
    )
    (replies / "reply-2024-147.toml").write_text(text, encoding="utf-8")
    monkeypatch.setenv("DEPTSTATS_HOME", str(tmp_path))
    with pytest.raises(ValueError, match="over 20 characters"):
        reply_config("reply-2024-147")
