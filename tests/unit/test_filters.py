"""French dates shown everywhere."""
from datetime import UTC, datetime, timedelta

from forum.models._time import utcnow
from forum.web.filters import french_date, french_datetime, time_ago


def test_french_date_uses_the_paris_day():
    assert french_date(datetime(2026, 11, 22, 10, 0, tzinfo=UTC)) == "22 nov. 2026"
    # 23:30 UTC on 31 December is already 1 January in Paris.
    assert french_date(datetime(2026, 12, 31, 23, 30, tzinfo=UTC)) == "1 janv. 2027"


def test_french_datetime_is_in_paris_time():
    assert french_datetime(datetime(2026, 7, 14, 12, 5, tzinfo=UTC)) == "14 juil. 2026 à 14:05"


def test_time_ago_in_french():
    now = utcnow()
    assert time_ago(now - timedelta(seconds=20)) == "à l'instant"
    assert time_ago(now - timedelta(minutes=5, seconds=3)) == "il y a 5 min"
    assert time_ago(now - timedelta(hours=3, minutes=10)) == "il y a 3 h"
    assert time_ago(now - timedelta(days=2, hours=1)) == "il y a 2 j"
    old = now - timedelta(days=30)
    assert time_ago(old) == "le " + french_date(old)
    assert time_ago(None) == ""
