"""The directory from the command line, the same operations as the console's pages (district-wide):

    flask regions list
    flask regions create NAME [--parent 滨湖区] [--city 盐城市]
    flask regions edit NAME [--name NEW] [--parent PATH|""] [--city CITY|""]
    flask circles list
    flask circles create NAME --station STATION [--region PATH]
    flask circles edit NAME [--name NEW] [--station STATION] [--region PATH|""]
    flask stations list
    flask stations save NAME [--kind ...] [--parent ...] [--region ...] [--address ...] [--phone ...] [--circles A|B]
    flask stations close NAME
    flask stations hand-over NAME --to OTHER --reason TEXT      (its open cases, then closes it)

Thin: each parses options into the console form's values and calls the same domain function
(`app.directory.areas`, `app.directory.stations`, `app.complaints.station_closing`), which checks every
rule and writes the audit log (as the OS user). Bad input exits 1 with the Chinese message.
"""

from __future__ import annotations

import click
import sqlalchemy as sa
from flask.cli import AppGroup

from app.accounts import service as accounts
from app.audit.log import Actor
from app.cli.common import Refused, commit
from app.cli.imports import stations_cli
from app.complaints import station_closing
from app.core.extensions import db
from app.core.models import depth_first
from app.core.texts import STATION_KINDS
from app.directory import areas
from app.directory import stations as station_forms
from app.directory.models import BusinessCircle, Region, Station
from app.directory.texts import AREA_ERRORS

regions_cli = AppGroup("regions", help="Regions (districts, streets) and the city each lies in.")
circles_cli = AppGroup("circles", help="Business circles and the stations serving them.")


def _set(values: dict[str, str], **options: str | None) -> dict[str, str]:
    """The form's values with every option given on the command line (None: not given, kept)."""
    return {**values, **{k: v for k, v in options.items() if v is not None}}


def _region(name: str) -> Region:
    region = db.session.scalar(sa.select(Region).where(Region.name == name.strip()))
    if region is None:
        raise Refused(AREA_ERRORS["region_missing"].format(name=name))
    return region


def _circle(name: str) -> BusinessCircle:
    circle = db.session.scalar(sa.select(BusinessCircle).where(BusinessCircle.name == name.strip()))
    if circle is None:
        raise Refused(AREA_ERRORS["circle_missing"].format(name=name))
    return circle


def _station(name: str) -> Station:
    return commit(lambda: accounts.find_station(name))


# -- regions ---------------------------------------------------------------------------------------------


@regions_cli.command("list")
def regions_list_cmd():
    """Every region as a tree: name, full path, its own city."""
    for depth, region in areas.region_tree(None):
        city = region.city or ""
        click.echo(f"{'  ' * depth}{region.name}\t{station_forms.region_path(region)}\t{city}".rstrip())


@regions_cli.command("create")
@click.argument("name")
@click.option("--parent", default="", help="The parent region's name or path (滨湖区/湖滨街道).")
@click.option("--city", default="", help="The city it lies in (盐城市); regions below inherit it.")
def regions_create_cmd(name: str, parent: str, city: str):
    """Create a region."""
    form = {"name": name, "parent": parent, "city": city}
    region = commit(lambda: areas.save_region(form, Actor.cli()))
    click.echo(f"已新建区域 {station_forms.region_path(region)}")


@regions_cli.command("edit")
@click.argument("name")
@click.option("--name", "new_name", default=None, help="A new name.")
@click.option("--parent", default=None, help='Move under this region ("" for the top).')
@click.option("--city", default=None, help='The city it lies in ("" to inherit the parent\'s).')
def regions_edit_cmd(name: str, new_name: str | None, parent: str | None, city: str | None):
    """Rename a region, move it in the tree (a loop is refused) or set its city."""
    region = _region(name)
    form = _set(areas.region_values(region), name=new_name, parent=parent, city=city)
    region = commit(lambda: areas.save_region(form, Actor.cli(), region=region))
    click.echo(f"已保存区域 {station_forms.region_path(region)}")


# -- business circles ------------------------------------------------------------------------------------


@circles_cli.command("list")
def circles_list_cmd():
    """Every business circle: name, serving station, region."""
    for circle in areas.circles(None):
        station = circle.station.name if circle.station else "—"
        click.echo(f"{circle.name}\t{station}\t{station_forms.region_path(circle.region) or '—'}")


@circles_cli.command("create")
@click.argument("name")
@click.option("--station", required=True, help="The station serving it (its full name).")
@click.option("--region", default="", help="Its region's name or path; must exist.")
def circles_create_cmd(name: str, station: str, region: str):
    """Create a business circle."""
    form = {"name": name, "station": station, "region": region}
    circle = commit(lambda: areas.save_circle(form, Actor.cli()))
    click.echo(f"已新建商圈 {circle.name}（{circle.station.name}）")


@circles_cli.command("edit")
@click.argument("name")
@click.option("--name", "new_name", default=None, help="A new name.")
@click.option("--station", default=None, help="Another serving station.")
@click.option("--region", default=None, help='Another region ("" for none).')
def circles_edit_cmd(name: str, new_name: str | None, station: str | None, region: str | None):
    """Rename a business circle, move it to another region, or give it another station."""
    circle = _circle(name)
    form = _set(areas.circle_values(circle), name=new_name, station=station, region=region)
    circle = commit(lambda: areas.save_circle(form, Actor.cli(), circle=circle))
    click.echo(f"已保存商圈 {circle.name}（{circle.station.name}）")


# -- stations (the `stations` group of app.cli.imports) ------------------------------------------------


@stations_cli.command("list")
def stations_list_cmd():
    """Every station as a tree: name, kind, phone, and whether it is closed."""
    everything = list(db.session.scalars(sa.select(Station).order_by(Station.id)))
    ids = {s.id for s in everything}
    tops = [s for s in everything if s.parent_id not in ids]
    for depth, station in depth_first(everything, lambda s: s.parent_id, tops):
        closed = "\t已撤销" if station.closed_at is not None else ""
        kind = STATION_KINDS.get(station.kind.value, station.kind.value)
        click.echo(f"{'  ' * depth}{station.name}\t{kind}\t{station.phone or '—'}{closed}")


@stations_cli.command("save")
@click.argument("name")
@click.option(
    "--kind", default=None, help="center_12315, regulatory_office, service_station, liaison_station."
)
@click.option("--parent", default=None, help="The parent station's name (a loop is refused).")
@click.option("--region", default=None, help="Its region's name or path.")
@click.option("--address", default=None)
@click.option("--phone", default=None)
@click.option("--circles", default=None, help="The business circles it serves, separated by |.")
def stations_save_cmd(name: str, **options: str | None):
    """Create a station, or change an existing one's options given (the stations file's rules, one row)."""
    existing = db.session.scalar(sa.select(Station).where(Station.name == name.strip()))
    form = _set(station_forms.form_values(existing) if existing else {"name": name}, **options)
    station = commit(lambda: station_forms.save_station(form, Actor.cli()))
    click.echo(f"已保存站点 {station.name}")


@stations_cli.command("close")
@click.argument("name")
def stations_close_cmd(name: str):
    """Close (撤销) a station nothing depends on any more; what is left is named."""
    station = _station(name)
    closed = commit(lambda: station_closing.close_station(station, Actor.cli()))
    click.echo(f"已撤销站点 {station.name}" if closed else f"站点 {station.name} 原已撤销")


@stations_cli.command("hand-over")
@click.argument("name")
@click.option("--to", "to_name", required=True, help="The station that takes the open cases.")
@click.option("--reason", required=True, help="Why; written into every case's timeline.")
def stations_hand_over_cmd(name: str, to_name: str, reason: str):
    """Transfer every open case of station NAME to --to, then close NAME (all or nothing)."""
    station, to_station = _station(name), _station(to_name)
    if station.closed_at is not None:
        click.echo(f"站点 {station.name} 原已撤销，未移交任何投诉")
        return
    moved = commit(
        lambda: station_closing.hand_over_and_close(
            station, to_station, reason, Actor.cli(), by=station_closing.COMMAND_LINE
        )
    )
    click.echo(f"已将 {moved} 件未办结的投诉移交给 {to_station.name}，并撤销站点 {station.name}")


GROUPS = [regions_cli, circles_cli]
