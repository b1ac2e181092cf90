"""The SVG charts, without a database: accessible markup, escaped text, empty data."""

from reports import charts


def _stacked(**kwargs):
    args = {
        "chart_id": "c",
        "title": "Bookings <by> day",
        "desc": "Two days & a half",
        "labels": ["01/03", "02/03"],
        "series": [charts.Series("Done", [1, 3], "#000"), charts.Series("<b>", [2, 0], "#111")],
        "x_label": "Day",
        "y_label": "Bookings",
    }
    return charts.stacked_bars(**{**args, **kwargs})


def test_a_chart_is_an_accessible_image_sized_by_its_viewbox():
    svg = str(_stacked())
    assert svg.startswith("<svg") and 'role="img"' in svg and "viewBox=" in svg
    assert 'aria-labelledby="c-title c-desc"' in svg
    assert '<title id="c-title">Bookings &lt;by&gt; day</title>' in svg
    assert '<desc id="c-desc">Two days &amp; a half</desc>' in svg
    assert "width=" not in svg.split(">", 1)[0]  # no fixed size: it scales to the screen
    assert "<b>" not in svg and "&lt;b&gt;" in svg
    assert ">Day<" in svg and ">Bookings<" in svg  # axis labels


def test_stacked_bars_stack_and_scale_to_a_round_top():
    svg = str(_stacked())
    assert svg.count("<rect") == 3  # a zero draws nothing
    assert ">5<" in svg and ">2.5<" in svg  # both days total 3: the axis ends at a round 5
    assert charts._nice_ceiling(3) == 5 and charts._nice_ceiling(4) == 5
    assert charts._nice_ceiling(0) == 1 and charts._nice_ceiling(180) == 200


def test_empty_data_draws_empty_charts():
    assert "<svg" in str(_stacked(labels=[], series=[]))
    assert "<svg" in str(
        charts.line(chart_id="l", title="t", desc="d", labels=[], series=[], x_label="x",
                    y_label="y")
    )  # fmt: skip
    assert "<svg" in str(
        charts.bars(chart_id="b", title="t", desc="d", labels=[], values=[], value_label="v")
    )
    heat = charts.heat_map(chart_id="h", title="t", desc="d", row_labels=["Mon"],
                           column_labels=["00", "01"], values=[[0, 0]], x_label="Hour")  # fmt: skip
    assert 'fill-opacity="0.00"' in str(heat)


def test_bars_show_each_value_and_cap_at_the_maximum():
    svg = str(
        charts.bars(chart_id="b", title="t", desc="d", labels=["Chair A", "Chair B"],
                    values=[50, 150], value_label="Per cent", maximum=100)
    )  # fmt: skip
    assert ">Chair A<" in svg and ">50<" in svg and ">150<" in svg
    assert svg.count('width="412.0"') == 1  # 150 % drawn as the full 100 %
