"""The submission board's page (/board?reply=…&lang=…): each department, extract and period a
reply quotes, published, refused (with its first problem and a link to the file's problems),
missing or late, as of today in the deployment's time zone."""

from __future__ import annotations

import datetime as dt
from collections import Counter
from collections.abc import Callable
from typing import Any
from zoneinfo import ZoneInfo

from fastapi import APIRouter, Depends, HTTPException
from fastapi.responses import HTMLResponse
from sqlalchemy import Engine

from deptstats.airflow.steward_text import page_language, timezone_name
from deptstats.core import DEFAULT_REPLY, load_registry, reply_codes


def today() -> dt.date:
    return dt.datetime.now(ZoneInfo(timezone_name())).date()


def add_board_route(
    router: APIRouter,
    engine: Callable[[], Engine],
    may_read: Callable[..., Any],
    page: Callable[..., HTMLResponse],
) -> None:
    """GET /board (?reply=…, default the default reply; ?lang=…); `page(language, template,
    **context)` renders it."""

    @router.get("/board", response_class=HTMLResponse, dependencies=[Depends(may_read)])
    def board_page(reply: str | None = None, lang: str | None = None) -> HTMLResponse:
        from deptstats.audit import board
        from deptstats.reply import DueConfigError

        language, reply = page_language(lang), reply or DEFAULT_REPLY
        if reply not in reply_codes():
            raise HTTPException(status_code=404, detail="no such reply")
        as_of = today()
        try:
            cells = board(engine(), reply, load_registry(), as_of, language)
        except DueConfigError as error:
            raise HTTPException(status_code=500, detail=str(error)) from None
        return page(
            language,
            "board.html.j2",
            reply=reply,
            replies=reply_codes(),
            as_of=as_of.isoformat(),
            cells=cells,
            counts=Counter(cell["status"] for cell in cells),
        )
