"""The map's labels: one name where several stores stand together, the most complained-about first."""

from __future__ import annotations

from app.core import drawing


def _store(name: str, lon: float, lat: float, complaints: int) -> dict:
    return {
        "type": "Feature",
        "geometry": {"type": "Point", "coordinates": [lon, lat]},
        "properties": {"name": name, "complaints": complaints},
    }


def test_names_never_overlap_and_the_busiest_store_keeps_its_name():
    mall = [_store(f"商场店{i}", 120.30 + i * 0.00001, 31.50, i) for i in range(5)]  # a few metres apart
    street = _store("步行街茶馆", 120.35, 31.53, 0)  # far from the mall: room for its name
    drawn = drawing.draw_map([*mall, street])
    names = [name for _x, _y, name in drawn.labels]
    assert "商场店4" in names and "步行街茶馆" in names  # the busiest of the crowd, and the lone store
    assert not {"商场店0", "商场店1", "商场店2", "商场店3"} & set(names)  # the rest show on hover only
    assert len(drawn.points) == 6  # every store is still drawn


def test_a_label_that_would_run_off_the_view_is_left_out():
    drawn = drawing.draw_map(
        [_store("甲", 120.30, 31.50, 1), _store("非常非常长的店铺名称" * 3, 120.40, 31.50, 2)]
    )
    assert [name for _x, _y, name in drawn.labels] == ["甲"]
