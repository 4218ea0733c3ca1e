"""``framecast compare``: a table per currency, --json, --all, bad input named."""

from __future__ import annotations

import json
from collections.abc import Callable

from click.testing import Result

PROVIDERS = ",".join(f"tests.core.test_compare:{name}" for name in ("Dollars", "Yuan", "Local"))


def test_compare_prints_one_table_per_currency_and_previews_apart(
    invoke: Callable[..., Result],
) -> None:
    result = invoke("compare", "--prompt", "a cat", "--duration", "10", "--provider", PROVIDERS)

    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    headings = [line for line in lines if line and not line.startswith((" ", "["))]
    assert headings[:4] == [
        "CNY",
        "USD",
        "price unknown",
        "free previews (rendered on this machine)",
    ]
    # Cheapest first within a currency.
    usd = lines.index("USD")
    assert "cheap" in lines[usd + 2] and "0.10 USD" in lines[usd + 2]
    assert "dear" in lines[usd + 3] and "1.00 USD" in lines[usd + 3]
    assert any(
        line.startswith("[1] https://example.test/prices, read 2026-11-30") for line in lines
    )


def test_compare_json_lists_every_quote_and_all_adds_the_left_out(
    invoke: Callable[..., Result],
) -> None:
    plain = invoke(
        "compare", "--json", "--prompt", "a cat", "--duration", "7", "--provider", PROVIDERS
    )
    every = invoke(
        "compare",
        "--json",
        "--all",
        "--prompt",
        "a cat",
        "--duration",
        "7",
        "--provider",
        PROVIDERS,
    )

    assert plain.exit_code == 0 and every.exit_code == 0
    assert json.loads(plain.output) == {"quotes": []}
    left_out = json.loads(every.output)["quotes"]
    assert len(left_out) == 6  # every model of the three providers
    assert all("duration" in quote["excluded"] for quote in left_out)


def test_compare_names_a_bad_value_before_quoting(invoke: Callable[..., Result]) -> None:
    result = invoke("compare", "--prompt", "a cat", "--camera", "sideways", "--provider", PROVIDERS)

    assert result.exit_code == 2
    assert "--camera" in result.output and "sideways" in result.output
