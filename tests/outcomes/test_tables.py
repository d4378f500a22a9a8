"""The small-group rule, the figures as shown, and CSV: on hand-built tables, no database."""

from __future__ import annotations

import csv
import io

from webapp.outcomes.charts import bars
from webapp.outcomes.charts import figure
from webapp.outcomes.export import csv_text
from webapp.outcomes.tables import Cell
from webapp.outcomes.tables import Column
from webapp.outcomes.tables import Hidden
from webapp.outcomes.tables import Kind
from webapp.outcomes.tables import Row
from webapp.outcomes.tables import Table
from webapp.outcomes.tables import protect_grid
from webapp.outcomes.tables import protect_rows
from webapp.outcomes.tables import share

SMALL, HIDDEN = Hidden.SMALL, Hidden.COMPLEMENT


def groups_table(sizes: dict[str, int]) -> Table:
    """One row per group with its size and a mean, and a total row."""
    table = Table(
        "pain",
        "Pain",
        Column("condition", "Condition", Kind.TEXT),
        [Column("clients", "Clients", Kind.COUNT), Column("mean", "Mean", Kind.SCORE)],
    )
    for label, n in sizes.items():
        table.rows.append(Row(label, [Cell(n, n), Cell(4.0, n)]))
    total = sum(sizes.values())
    table.rows.append(Row("All", [Cell(total, total), Cell(4.0, total)], is_total=True))
    return table


def hidden(table: Table) -> dict[str, list[Hidden | None]]:
    return {row.label: [c.hidden for c in row.cells] for row in table.rows}


def test_four_clients_are_withheld_and_five_are_shown() -> None:
    table = groups_table({"Neck": 5, "Back": 4, "Knee": 9})
    protect_rows(table)
    assert hidden(table)["Neck"] == [HIDDEN, HIDDEN]  # the next smallest, so 4 can't be derived
    assert hidden(table)["Back"] == [SMALL, SMALL]
    assert hidden(table)["Knee"] == [None, None]
    assert hidden(table)["All"] == [None, None]


def test_five_alone_is_shown() -> None:
    table = groups_table({"Neck": 5})
    protect_rows(table)
    assert all(cell.shown for row in table.rows for cell in row.cells)
    assert table.rows[0].cells[0].value == 5


def test_two_withheld_groups_need_no_complement() -> None:
    table = groups_table({"Neck": 3, "Back": 2, "Knee": 9})
    protect_rows(table)
    assert hidden(table) == {
        "Neck": [SMALL, SMALL],
        "Back": [SMALL, SMALL],
        "Knee": [None, None],
        "All": [None, None],
    }


def test_a_small_total_is_withheld_too() -> None:
    table = groups_table({"Neck": 3})
    protect_rows(table)
    assert hidden(table)["All"] == [SMALL, SMALL]


def test_a_share_counting_few_clients_is_withheld_on_its_own() -> None:
    table = Table(
        "pain",
        "Pain",
        Column("condition", "Condition", Kind.TEXT),
        [Column("clients", "Clients", Kind.COUNT), Column("worse", "Worse", Kind.PERCENT)],
    )
    table.rows.append(Row("Neck", [Cell(10, 10), share([True] + [False] * 9)]))
    table.rows.append(Row("Back", [Cell(10, 10), share([True] * 5 + [False] * 5)]))
    table.rows.append(Row("Knee", [Cell(10, 10), share([False] * 10)]))
    table.rows.append(Row("All", [Cell(30, 30), share([True] * 6 + [False] * 24)], is_total=True))
    protect_rows(table)
    assert hidden(table) == {
        "Neck": [None, SMALL],  # 1 in 10 got worse: that one client is not shown
        "Back": [None, HIDDEN],  # else 6 − 5 = 1 would give it away
        "Knee": [None, None],  # 0% describes nobody
        "All": [None, None],
    }
    assert table.rows[2].cells[1].value == 0


def phase_grid(counts: dict[str, list[int]]) -> Table:
    table = Table(
        "phases",
        "Phases",
        Column("condition", "Condition", Kind.TEXT),
        [Column(f"phase_{n}", f"Phase {n}", Kind.COUNT) for n in (1, 2, 3)]
        + [Column("clients", "All", Kind.COUNT)],
    )
    totals = [0, 0, 0]
    for label, row in counts.items():
        table.rows.append(Row(label, [Cell(n, n) for n in row] + [Cell(sum(row), sum(row))]))
        totals = [a + b for a, b in zip(totals, row, strict=True)]
    table.rows.append(
        Row("All", [Cell(n, n) for n in totals] + [Cell(sum(totals), sum(totals))], True)
    )
    return table


def test_a_grid_withholds_by_row_and_column_so_nothing_comes_back_by_subtraction() -> None:
    table = phase_grid({"Neck": [2, 8, 6], "Back": [7, 5, 9]})
    protect_grid(table, ["phase_1", "phase_2", "phase_3"], "clients")
    assert hidden(table) == {
        # 2 is small; 6 goes with it (row), 7 and 9 below them (columns).
        "Neck": [SMALL, None, HIDDEN, None],
        "Back": [HIDDEN, None, HIDDEN, None],
        "All": [None, None, None, None],
    }
    # Every line with a withheld figure has at least two.
    for row in table.rows:
        assert sum(not c.shown for c in row.cells) != 1
    for index in range(4):
        assert sum(not row.cells[index].shown for row in table.rows) != 1


def test_zero_is_shown_and_is_not_used_to_cover_a_withheld_figure() -> None:
    table = phase_grid({"Neck": [0, 3, 9]})
    protect_grid(table, ["phase_1", "phase_2", "phase_3"], "clients")
    neck = table.rows[0]
    assert [c.hidden for c in neck.cells] == [None, SMALL, HIDDEN, None]
    assert neck.cells[0].value == 0


def test_figures_read_as_on_the_page() -> None:
    assert figure(Cell(3, 3, Hidden.SMALL), Kind.COUNT) == "fewer than 5"
    assert figure(Cell(30, 30, Hidden.COMPLEMENT), Kind.COUNT) == "hidden"
    assert figure(Cell(None, 0), Kind.SCORE) == "no data"
    assert figure(Cell(63, 10), Kind.PERCENT) == "63%"
    assert figure(Cell(-1.84, 10), Kind.CHANGE) == "−1.8"
    assert figure(Cell(2.0, 10), Kind.CHANGE) == "+2.0"
    assert figure(Cell(0.0, 10), Kind.CHANGE) == "0.0"
    assert figure(Cell(27.5, 10), Kind.DAYS) == "27.5"
    assert figure(Cell(4.0, 10), Kind.SCORE) == "4.0"


def test_csv_has_headers_rows_and_marks_withheld_figures() -> None:
    table = groups_table({"Neck": 5, "Back": 4, "Knee": 9})
    table.rows[2].cells[1] = Cell(None, 9)
    protect_rows(table)
    rows = list(csv.reader(io.StringIO(csv_text(table))))
    assert rows == [
        ["condition", "clients", "mean"],
        ["Neck", "suppressed", "suppressed"],
        ["Back", "<5", "<5"],
        ["Knee", "9", ""],
        ["All", "18", "4.0"],
    ]


def test_csv_of_an_empty_table_is_just_the_headers() -> None:
    table = Table("pain", "Pain", Column("condition", "Condition", Kind.TEXT), [])
    assert csv_text(table) == "condition\r\n"


def test_a_chart_draws_no_bar_for_a_withheld_figure() -> None:
    table = groups_table({"Neck": 5, "Back": 4, "Knee": 10})
    protect_rows(table)
    chart = bars(table, "clients", "Clients")
    assert [(b.label, b.text, b.length > 0) for b in chart.bars] == [
        ("Neck", "hidden", False),
        ("Back", "fewer than 5", False),
        ("Knee", "10", True),
        ("All", "19", True),
    ]
    assert chart.bars[-1].is_total
    assert "Back: fewer than 5" in chart.summary
