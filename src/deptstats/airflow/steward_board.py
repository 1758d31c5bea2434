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
    """GET /board (?reply=…, default the default reply; ?lang=…), rendered by `page(language,
    template, **context)`, and its JSON, GET /api/board (?reply=…&as_of=YYYY-MM-DD&lang=…)."""

    def cells_of(reply: str | None, as_of: dt.date, language: str) -> tuple[str, list[dict[str, Any]]]:
        from deptstats.audit import board
        from deptstats.reply import DueConfigError

        reply = reply or DEFAULT_REPLY
        if reply not in reply_codes():
            raise HTTPException(status_code=404, detail="no such reply")
        try:
            return reply, board(engine(), reply, load_registry(), as_of, language)
        except DueConfigError as error:
            raise HTTPException(status_code=500, detail=str(error)) from None

    @router.get("/board", response_class=HTMLResponse, dependencies=[Depends(may_read)])
    def board_page(reply: str | None = None, lang: str | None = None) -> HTMLResponse:
        language, as_of = page_language(lang), today()
        reply, cells = cells_of(reply, as_of, language)
        return page(
            language,
            "board.html.j2",
            reply=reply,
            replies=reply_codes(),
            as_of=as_of.isoformat(),
            cells=cells,
            counts=Counter(cell["status"] for cell in cells),
        )

    @router.get("/api/board", dependencies=[Depends(may_read)])
    def board_json(
        reply: str | None = None, as_of: dt.date | None = None, lang: str | None = None
    ) -> dict[str, Any]:
        """The board's cells as `deptstats board --format json` gives them (as_of: today)."""
        as_of = as_of or today()
        reply, cells = cells_of(reply, as_of, page_language(lang))
        return {"reply": reply, "as_of": as_of.isoformat(), "cells": cells}
