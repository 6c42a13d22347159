"""Complaints (投诉) and reports (举报): the service's heart.

Models (`models`), which action is allowed in which state and for whom (`states`, the one table), who
may see a case and the one way to get it for viewing or acting (`access`), the transitions (`flow`), stored
deadlines and how they read (`deadlines`), recounting them when the calendar changes (`replan`), the
worker's sweeps (`sweeps`), the content check (`content_check`), the choices a consumer picks from
(`options`), filing (`filing/`), what consumers and staff see (`presenters/`), closing a station once its
cases are handed over (`station_closing`), which cases may be published (`publication`) and the Chinese text of all of it (`texts`).

May import: `core`, `audit`, `directory`, `calendar`, `stores`, `consumers`, `staff`, `uploads`, `notifications`,
the `wechat` adapter.
"""
