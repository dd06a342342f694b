"""french_datetime writes Babel's "d MMM y 'à' HH:mm" itself: the same text as Babel, every month,
both sides of the daylight-saving changes in Paris, naive (UTC) and aware datetimes."""
from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

from babel.dates import format_datetime

from forum.web.filters import PARIS, french_datetime


def babel(value: datetime) -> str:
    return format_datetime(value, "d MMM y 'à' HH:mm", tzinfo=PARIS, locale="fr_FR")


def test_french_datetime_is_babels_text_for_every_month_and_hour_around_dst():
    start = datetime(2025, 1, 1, tzinfo=UTC)
    moments = [start + timedelta(minutes=97 * i + i % 60) for i in range(0, 20_000)]  # 3.7 years
    # Each side of the changes of 2026 (29 March 01:00 UTC, 25 October 01:00 UTC), minute by minute.
    for change in (datetime(2026, 3, 29, 1, tzinfo=UTC), datetime(2026, 10, 25, 1, tzinfo=UTC)):
        moments += [change + timedelta(minutes=m) for m in range(-90, 91)]
    for moment in moments:
        assert french_datetime(moment) == babel(moment), moment


def test_french_datetime_reads_naive_and_foreign_times_as_babel_does():
    for moment in (datetime(2026, 11, 22, 13, 5), datetime(2026, 7, 1, 23, 59, 59),
                   datetime(2026, 12, 31, 23, 30, tzinfo=timezone(timedelta(hours=-5))),
                   datetime(1999, 2, 3, 4, 5, tzinfo=UTC)):
        assert french_datetime(moment) == babel(moment), moment


def test_french_datetime_shows_paris_time():
    assert french_datetime(datetime(2026, 11, 22, 13, 5, tzinfo=UTC)) == "22 nov. 2026 à 14:05"
    assert french_datetime(datetime(2026, 7, 1, 6, 0, tzinfo=UTC)) == "1 juil. 2026 à 08:00"
    assert french_datetime(None) == ""
