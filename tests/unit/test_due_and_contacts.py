"""What a reply needs by when (its [due] table, checked against the extracts its template quotes)
and the departments' contacts ($DEPTSTATS_CONTACTS), each refused with a message naming what is
wrong."""

from __future__ import annotations

import datetime as dt
from pathlib import Path

import pytest

from deptstats.core import ContactsError, load_contacts
from deptstats.reply import DueConfigError, Source, reply_config, requirements
from deptstats.reply.due import due_dates, quoted_sources
from deptstats.sample import write_sample_contacts

ALL = {"health", "education", "housing_fund", "hrss", "civil_affairs"}


def test_each_reply_needs_what_its_template_quotes_by_its_due_dates(registry):
    needs = requirements("reply-2024-203", registry)
    assert needs.sources == (
        Source("civil_affairs", "elderly_care_institutions", "2024-03"),
        Source("civil_affairs", "home_care_centers", "2024-03"),
        Source("civil_affairs", "village_coverage", "2024-03"),
    )
    assert needs.due == {"civil_affairs": dt.date(2024, 5, 31)}
    letter = requirements("reply-2024-147", registry)
    assert {s.department for s in letter.sources} == ALL == set(letter.due)
    # a yearly extract for the reply's year, a monthly one for its month
    periods = {s.extract: s.period for s in letter.sources}
    assert periods["prepregnancy_checks"] == "2023" and periods["village_coverage"] == "2024-03"
    # in the registry's order: departments first
    order = [d.code for d in registry.departments]
    assert [order.index(s.department) for s in letter.sources] == sorted(
        order.index(s.department) for s in letter.sources
    )


@pytest.mark.parametrize(
    ("due", "says"),
    [
        (None, "no [due] table"),
        ({}, "gives no date for civil_affairs"),
        (
            {"civil_affairs": dt.date(2024, 5, 31), "police": dt.date(2024, 5, 31)},
            "'police', which is no department",
        ),
        (
            {"civil_affairs": dt.date(2024, 5, 31), "health": dt.date(2024, 5, 31)},
            "quotes none of its figures",
        ),
        ({"civil_affairs": "2024-05-31"}, "give a date without quotes"),
        ({"civil_affairs": dt.datetime(2024, 5, 31, 12, 0)}, "give a date without quotes"),
    ],
)
def test_a_wrong_due_table_is_refused_saying_what_is_wrong(registry, due, says):
    config = {"code": "reply-x"} | ({} if due is None else {"due": due})
    with pytest.raises(DueConfigError, match=r"reply-x\.toml") as refused:
        due_dates(config, {"civil_affairs"}, registry)
    assert says in str(refused.value)


def test_a_template_quoting_an_unknown_indicator_is_refused(registry, tmp_path, monkeypatch):
    config = reply_config("reply-2024-203")
    replies = tmp_path / "include" / "replies"
    replies.mkdir(parents=True)
    (replies / config["template"]).write_text('{{ fig("civil_affairs.no_such_figure") }}', encoding="utf-8")
    monkeypatch.setenv("DEPTSTATS_HOME", str(tmp_path))
    with pytest.raises(DueConfigError, match="no_such_figure"):
        quoted_sources(config, registry)


def test_the_sample_contacts_name_every_department(registry, tmp_path):
    path = write_sample_contacts(tmp_path / "contacts.toml", registry)
    contacts = load_contacts(registry, path)
    assert set(contacts) == {d.code for d in registry.departments}
    assert all(
        c.email.endswith("@example.org") and c.name and c.language == "zh_CN" for c in contacts.values()
    )


def test_contacts_come_from_the_deployment_setting(registry, tmp_path, monkeypatch):
    monkeypatch.delenv("DEPTSTATS_CONTACTS", raising=False)
    assert load_contacts(registry) == {}
    path = tmp_path / "contacts.toml"
    path.write_text('[hrss]\nname = "刘洋"\nemail = " liu@example.org "\nlanguage = "en"\n', encoding="utf-8")
    monkeypatch.setenv("DEPTSTATS_CONTACTS", str(path))
    [contact] = load_contacts(registry).values()
    assert (contact.department, contact.name, contact.email, contact.language) == (
        "hrss",
        "刘洋",
        "liu@example.org",
        "en",
    )
    monkeypatch.setenv("DEPTSTATS_CONTACTS", str(tmp_path / "absent.toml"))
    with pytest.raises(ContactsError, match=r"DEPTSTATS_CONTACTS=.*absent\.toml: cannot read it"):
        load_contacts(registry)


@pytest.mark.parametrize(
    ("text", "says"),
    [
        ('[police]\nname = "A"\nemail = "a@example.org"\n', "[police] is no department"),
        ('[health]\nemail = "a@example.org"\n', "[health] needs a name"),
        ('[health]\nname = "A"\n', "email None is not an e-mail address"),
        ('[health]\nname = "A"\nemail = "a.example.org"\n', "is not an e-mail address"),
        ('[health]\nname = "A"\nemail = "a@b@example.org"\n', "is not an e-mail address"),
        ('[health]\nname = "A"\nemail = "A <a@example.org>"\n', "is not an e-mail address"),
        ('[health]\nname = "A"\nemail = "a@localhost"\n', "is not an e-mail address"),
        ('[health]\nname = "A"\nemail = "a@example.org"\nphone = "1"\n', "unknown key(s) phone"),
        ('[health]\nname = "A"\nemail = "a@example.org"\nlanguage = "fr"\n', "give zh_CN or en"),
        ('health = "a@example.org"\n', "health must be a table"),
        ("[health\n", "not TOML"),
    ],
)
def test_a_wrong_contacts_file_is_refused_saying_what_is_wrong(registry, tmp_path: Path, text, says):
    path = tmp_path / "contacts.toml"
    path.write_text(text, encoding="utf-8")
    with pytest.raises(ContactsError) as refused:
        load_contacts(registry, path)
    assert says in str(refused.value) and str(path) in str(refused.value)
