"""OTOBO DateChecksum numbers: the check digit rule and unique counters under concurrency."""

from __future__ import annotations

import threading
from datetime import UTC, datetime

from sqlalchemy import Engine

from ticketflow.db.ticket_numbers import check_digit, format_number, is_valid_number, next_number

DAY = datetime(2024, 1, 15, 23, 59, tzinfo=UTC)


def test_check_digit_weights_digits_one_two_alternately() -> None:
    # 2·1+0·2+2·1+4·2+0·1+1·2+1·1+5·2+1·1+0+0+0+0+0+1·1 = 27 → 10 − 7 = 3
    assert check_digit("202401151000001") == 3
    assert format_number("20240115", "10", 1) == "2024011510000013"


def test_a_check_sum_of_ten_becomes_one() -> None:
    # the sum is 30 → 10 − 0 = 10, which OTOBO writes as 1
    assert check_digit("202401151000004") == 1


def test_validity_check_rejects_a_wrong_last_digit() -> None:
    assert is_valid_number("2024011510000013")
    assert not is_valid_number("2024011510000014")
    assert not is_valid_number("20240115100000x3")


def test_counters_restart_per_day_and_use_the_utc_date(engine: Engine) -> None:
    with engine.begin() as connection:
        first = next_number(connection, DAY)
        second = next_number(connection, DAY)
        next_day = next_number(connection, datetime(2024, 1, 16, 0, 30, tzinfo=UTC))
    assert (first, second) == (format_number("20240115", "10", 1), format_number("20240115", "10", 2))
    assert next_day == format_number("20240116", "10", 1)


def test_concurrent_connections_never_share_a_number(engine: Engine) -> None:
    numbers: list[str] = []
    errors: list[BaseException] = []
    start = threading.Barrier(2)

    def allocate() -> None:
        try:
            start.wait()
            for _ in range(20):
                with engine.begin() as connection:
                    numbers.append(next_number(connection, DAY))
        except BaseException as error:  # surfaced by the assertion below
            errors.append(error)

    threads = [threading.Thread(target=allocate) for _ in range(2)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert errors == []
    assert len(set(numbers)) == 40
    assert all(is_valid_number(number) for number in numbers)
